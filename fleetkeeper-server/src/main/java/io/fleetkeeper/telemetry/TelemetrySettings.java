package io.fleetkeeper.telemetry;

import java.time.Instant;
import jakarta.annotation.Nullable;

/**
 * A tenant's telemetry settings.
 *
 * @param retentionDays how many days telemetry is kept; older messages are refused at ingest and deleted
 * @param version       0 while the tenant has the defaults
 */
public record TelemetrySettings(int retentionDays, long version, @Nullable Instant updatedAt) {
}
