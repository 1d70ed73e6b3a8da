package io.fleetkeeper.telemetry;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.Map;

/**
 * A tenant's telemetry settings.
 *
 * @param retentionDays           how many days telemetry is kept; older messages are refused at ingest and deleted
 * @param streamRetentionDays     shorter retentions of named streams, in days (at most {@code retentionDays})
 * @param expectedIntervalSeconds how often the tenant's devices are expected to be heard (the tenant's own
 *                                setting or {@code fleetkeeper.telemetry.expected-interval}); past it a device is
 *                                STALE, past {@code offline-after-intervals} of it OFFLINE
 * @param expectedIntervalsByType the expected interval of devices of a type, in seconds, where it differs
 * @param version                 0 while the tenant has the defaults
 */
public record TelemetrySettings(int retentionDays, Map<String, Integer> streamRetentionDays,
        int expectedIntervalSeconds, Map<String, Integer> expectedIntervalsByType, long version,
        @Nullable Instant updatedAt) {

    /** The expected interval of a device of type {@code deviceType}, in milliseconds. */
    public long expectedIntervalMillis(String deviceType) {
        return expectedIntervalsByType.getOrDefault(deviceType, expectedIntervalSeconds) * 1000L;
    }
}
