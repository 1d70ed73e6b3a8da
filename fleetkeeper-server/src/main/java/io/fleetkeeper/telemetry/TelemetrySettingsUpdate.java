package io.fleetkeeper.telemetry;

import java.util.Map;

/**
 * A change of a tenant's telemetry settings; a null field keeps its current value, an empty map removes every
 * own value of it. Fields as in {@link TelemetrySettings}.
 */
public record TelemetrySettingsUpdate(Integer retentionDays, Map<String, Integer> streamRetentionDays,
        Integer expectedIntervalSeconds, Map<String, Integer> expectedIntervalsByType) {
}
