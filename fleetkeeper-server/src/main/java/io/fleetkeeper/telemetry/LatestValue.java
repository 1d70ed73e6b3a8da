package io.fleetkeeper.telemetry;

import jakarta.annotation.Nullable;
import java.time.Instant;

/** The newest value of a metric of a device (by message time), and that time. */
public record LatestValue(@Nullable String stream, String metric, Object value, Instant ts) {
}
