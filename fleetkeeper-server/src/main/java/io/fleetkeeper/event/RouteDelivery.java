package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * One event for one route: {@code pending} (retried until {@code nextAttemptAt}), {@code delivered} or
 * {@code dead} (retries exhausted; can be replayed). {@code lastStatus} is the HTTP status of the last attempt
 * (null when it got no answer, see {@code lastError}), {@code lastLatencyMs} its duration.
 */
public record RouteDelivery(long id, String eventId, String eventType, @Nullable UUID deviceId, String status,
        int attempts, @Nullable Instant nextAttemptAt, Instant createdAt, @Nullable Instant finishedAt,
        @Nullable Integer lastStatus, @Nullable String lastError, @Nullable Long lastLatencyMs) {

    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
}
