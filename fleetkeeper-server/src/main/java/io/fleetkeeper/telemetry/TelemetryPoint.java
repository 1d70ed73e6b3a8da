package io.fleetkeeper.telemetry;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One stored value: a metric of an accepted message.
 *
 * @param stream null for the default stream
 * @param value  a number, a boolean or a string
 */
public record TelemetryPoint(Instant ts, @Nullable String stream, String metric, Object value, String msgId) {
}
