package io.fleetkeeper.telemetry.internal;

import java.util.List;
import java.util.UUID;

/**
 * An accepted message on its way to the store: validated, flattened, with a message id (the device's, or one the
 * server assigned) and a time (the device's {@code ts}, or the time it was received).
 *
 * @param stream '' for the default stream
 */
public record TelemetryMessage(UUID tenantId, UUID deviceId, String msgId, long ts, String stream,
        List<Metric> metrics, long receivedAt) {

    /**
     * One value: kind {@code n} (number in {@code num}), {@code b} (boolean as 0 or 1 in {@code num}) or {@code s}
     * (string in {@code txt}).
     */
    public record Metric(String name, String kind, Double num, String txt) {

        public Object value() {
            return switch (kind) {
                case "b" -> num != null && num != 0;
                case "s" -> txt;
                default -> num;
            };
        }
    }
}
