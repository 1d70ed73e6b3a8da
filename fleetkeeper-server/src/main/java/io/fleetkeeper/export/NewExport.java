package io.fleetkeeper.export;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * A requested export. {@code kind}: {@code devices} (optionally those matching the fleet {@code query}) or
 * {@code audit} (entries {@code from} inclusive {@code to} exclusive, both optional); {@code format}: {@code csv}
 * (default) or {@code ndjson}; {@code compression}: {@code gzip} (default) or {@code none}.
 */
public record NewExport(String kind, @Nullable String query, @Nullable Instant from, @Nullable Instant to,
        @Nullable String format, @Nullable String compression) {
}
