package io.fleetkeeper.template;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A sensor of one device: its definition (from the device's template, or the device's own when
 * {@code fromTemplate} is false) and the device's overrides ({@code enabled}, calibration: a reading r is
 * reported as {@code r * calibrationScale + calibrationOffset}). {@code version} is its ETag.
 */
public record DeviceSensor(UUID deviceId, String key, @Nullable String name, @Nullable String unit, String dataType,
        @Nullable Double min, @Nullable Double max, @Nullable Long expectedInterval, boolean enabled,
        @Nullable Double calibrationOffset, @Nullable Double calibrationScale, boolean fromTemplate,
        Instant updatedAt, long version) {
}
