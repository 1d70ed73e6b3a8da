package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * The writable fields of a route, as sent to create one (and as a merge patch applies to).
 *
 * @param source           event types ({@link EventTypes#ALL}) or {@code *}; or telemetry topic filters
 *                         ({@code telemetry:fk/+/telemetry/env})
 * @param condition        a fleet query the event's device must match, or null
 * @param payloadCondition for a telemetry source: a condition on the message's metrics
 *                         ({@code payload.temperature > 30}), or null
 * @param enabled          default true
 */
public record RouteFields(String name, List<String> source, @Nullable String condition,
        @Nullable String payloadCondition, Destination destination, @Nullable Boolean enabled) {

    /** A route without a payload condition. */
    public RouteFields(String name, List<String> source, String condition, Destination destination,
            Boolean enabled) {
        this(name, source, condition, null, destination, enabled);
    }

    /**
     * A destination: {@code webhook}, {@code mqtt}, {@code postgresql} or {@code nats}. Webhook {@code secret}: a Standard Webhooks secret
     * ({@code whsec_} and the base64 of 24 to 64 random bytes), generated when absent. MQTT: {@code topic}
     * template and {@code qos} (0 or 1, default 1). {@code timeoutMs}: 100 to 30000, default 5000. PostgreSQL:
     * {@code connection}, {@code table}, {@code columns}. NATS: {@code subject} template.
     */
    public record Destination(String type, @Nullable String url, @Nullable String secret,
            @Nullable Map<String, String> headers, @Nullable Integer timeoutMs, @Nullable String topic,
            @Nullable Integer qos, @Nullable String connection, @Nullable String table,
            @Nullable Map<String, String> columns, @Nullable String subject) {

        /** A webhook. */
        public Destination(String type, String url, String secret, Map<String, String> headers, Integer timeoutMs) {
            this(type, url, secret, headers, timeoutMs, null, null, null, null, null, null);
        }
    }
}
