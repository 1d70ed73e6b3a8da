package io.fleetkeeper.telemetry;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * The newest value of a metric of a device (by message time), and that time; {@code unit} is the unit of the
 * device's sensor of that name (default stream only), when it has one with a unit.
 */
public record LatestValue(@Nullable String stream, String metric, Object value, Instant ts, @Nullable String unit) {
}
