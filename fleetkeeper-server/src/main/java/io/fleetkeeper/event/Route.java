package io.fleetkeeper.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A message route: events whose type is in {@code source} ({@code *}: every type), about devices the fleet query
 * {@code condition} selects (every device when null), delivered to {@code destination}. {@code version} is its
 * ETag.
 */
public record Route(UUID id, String name, List<String> source, @Nullable String condition, Webhook destination,
        boolean enabled, Instant createdAt, Instant updatedAt, long version) {

    public static final String ANY = "*";

    /**
     * A webhook destination. {@code secret} ({@code whsec_…}, Standard Webhooks) is present only in the answer
     * that created or replaced it; it is stored encrypted and never shown again.
     */
    public record Webhook(String type, String url, Map<String, String> headers, int timeoutMs,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String secret) {

        public static final String TYPE = "webhook";

        public Webhook withoutSecret() {
            return new Webhook(type, url, headers, timeoutMs, null);
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
