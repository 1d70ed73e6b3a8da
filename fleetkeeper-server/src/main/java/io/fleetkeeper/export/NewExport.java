package io.fleetkeeper.export;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * A requested export. {@code kind}: one of {@link ExportKinds#names()}; {@code query}: a fleet query choosing the
 * devices (for {@code devices}) or the devices whose telemetry, events, certificates or job executions are
 * exported; {@code from} inclusive and {@code to} exclusive for the time-ranged kinds (telemetry, device_events,
 * audit); {@code columns}: a subset of the kind's columns, in the order wanted (default all); {@code format}:
 * {@code csv} (default) or {@code ndjson}; {@code compression}: {@code gzip} (default) or {@code none}.
 */
public record NewExport(String kind, @Nullable String query, @Nullable Instant from, @Nullable Instant to,
        @Nullable List<String> columns, @Nullable String format, @Nullable String compression) {
}
