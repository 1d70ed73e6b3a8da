package io.fleetkeeper.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A message route: events whose type is in {@code source} ({@code *}: every type), about devices the fleet query
 * {@code condition} selects (every device when null), delivered to {@code destination} (a webhook or an MQTT broker). {@code version} is its
 * ETag.
 */
public record Route(UUID id, String name, List<String> source, @Nullable String condition, Destination destination,
        boolean enabled, Instant createdAt, Instant updatedAt, long version) {

    public static final String ANY = "*";

    /**
     * Where a route delivers. {@code webhook}: {@code url}, {@code headers}, {@code timeoutMs} and {@code secret}
     * ({@code whsec_…}, Standard Webhooks), present only in the answer that created or replaced it, stored
     * encrypted and never shown again. {@code mqtt}: a broker {@code url} ({@code mqtt://host:port}), a
     * {@code topic} template ({@code {tenant}}, {@code {device}}, {@code {type}}), {@code qos} 0 or 1, and
     * {@code timeoutMs} for connecting and publishing.
     */
    public record Destination(String type, String url,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Map<String, String> headers, int timeoutMs,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String secret,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String topic,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Integer qos) {

        public static final String WEBHOOK = "webhook";
        public static final String MQTT = "mqtt";

        public Destination withoutSecret() {
            return new Destination(type, url, headers, timeoutMs, null, topic, qos);
        }

        public boolean isWebhook() {
            return WEBHOOK.equals(type);
        }
    }

    public boolean accepts(String type) {
        return source.contains(ANY) || source.contains(type);
    }

    public Route withoutSecret() {
        return new Route(id, name, source, condition, destination.withoutSecret(), enabled, createdAt, updatedAt,
                version);
    }
}
