package io.fleetkeeper.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A message route: events whose type is in {@code source} ({@code *}: every type), or telemetry messages whose
 * topic a {@code telemetry:} filter in {@code source} matches and whose metrics pass {@code payloadCondition},
 * about devices the fleet query {@code condition} selects (every device when null), delivered to
 * {@code destination} (a webhook, an MQTT broker, a PostgreSQL table or a NATS subject). {@code version} is its
 * ETag.
 */
public record Route(UUID id, String name, List<String> source, @Nullable String condition,
        @Nullable String payloadCondition, Destination destination, boolean enabled, Instant createdAt,
        Instant updatedAt, long version) {

    public static final String ANY = "*";

    /**
     * Where a route delivers. {@code webhook}: {@code url}, {@code headers}, {@code timeoutMs} and {@code secret}
     * ({@code whsec_…}, Standard Webhooks), present only in the answer that created or replaced it, stored
     * encrypted and never shown again. {@code mqtt}: a broker {@code url} ({@code mqtt://host:port}), a
     * {@code topic} template ({@code {tenant}}, {@code {device}}, {@code {type}}), {@code qos} 0 or 1, and
     * {@code timeoutMs} for connecting and publishing. {@code postgresql}: a {@code connection} the platform
     * operator defined ({@code fleetkeeper.events.postgres-connections}), a {@code table} ({@code name} or
     * {@code schema.name}) and {@code columns}, each column mapped to a part of the event ({@code id},
     * {@code type}, {@code time}, {@code tenant}, {@code device}, {@code event}, {@code data}, or
     * {@code data.<field>[.<field>…]}). {@code nats}: a {@code subject} template on the platform's NATS. For
     * these two, {@code url} is null.
     */
    public record Destination(String type, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String url,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Map<String, String> headers, int timeoutMs,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String secret,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String topic,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Integer qos,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String connection,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String table,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Map<String, String> columns,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String subject) {

        public static final String WEBHOOK = "webhook";
        public static final String MQTT = "mqtt";
        public static final String POSTGRESQL = "postgresql";
        public static final String NATS = "nats";

        /** A webhook or an MQTT broker. */
        public Destination(String type, String url, Map<String, String> headers, int timeoutMs, String secret,
                String topic, Integer qos) {
            this(type, url, headers, timeoutMs, secret, topic, qos, null, null, null, null);
        }

        public Destination withoutSecret() {
            return new Destination(type, url, headers, timeoutMs, null, topic, qos, connection, table, columns,
                    subject);
        }

        public boolean isWebhook() {
            return WEBHOOK.equals(type);
        }
    }

    public boolean accepts(String type) {
        return source.contains(ANY) || source.contains(type);
    }

    public Route withoutSecret() {
        return new Route(id, name, source, condition, payloadCondition, destination.withoutSecret(), enabled, createdAt,
                updatedAt, version);
    }
}
