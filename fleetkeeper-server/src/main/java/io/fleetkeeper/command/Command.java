package io.fleetkeeper.command;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A command to one device, with the time it entered each state (null when it has not).
 *
 * @param finishedAt when it reached its final state (SUCCEEDED, FAILED, TIMED_OUT, EXPIRED or CANCELED)
 */
public record Command(UUID id, UUID deviceId, String name, JsonNode payload, CommandStatus status,
        String idempotencyKey, String actor, Instant createdAt, Instant expiresAt, Instant sentAt,
        Instant deliveredAt, Instant finishedAt, JsonNode result) {
}
