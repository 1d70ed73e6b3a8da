package io.fleetkeeper.telemetry;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A telemetry message as stored: what {@link TelemetryListener}s are told after its commit.
 *
 * @param stream  {@code ""} for the default stream ({@code fk/<device>/telemetry})
 * @param msgId   the device's message id, or the one the server assigned
 * @param ts      the device's time of the message, or when it was received
 * @param metrics the flattened metrics in message order ({@code power.v}), each a {@link Double}, a
 *                {@link Boolean} or a {@link String}
 */
public record StoredTelemetry(UUID tenantId, UUID deviceId, String stream, String msgId, Instant ts,
        Map<String, Object> metrics) {
}
