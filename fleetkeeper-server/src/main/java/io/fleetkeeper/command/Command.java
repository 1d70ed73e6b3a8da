package io.fleetkeeper.command;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A command to one device, with the time it entered each state (null when it has not).
 *
 * @param finishedAt when it reached its final state (SUCCEEDED, FAILED, REJECTED, TIMED_OUT, EXPIRED or CANCELED)
 * @param jobId      the job that sent it, or null for a command sent to the device alone
 */
public record Command(UUID id, UUID deviceId, String name, JsonNode payload, CommandStatus status,
        String idempotencyKey, String actor, Instant createdAt, Instant expiresAt, Instant sentAt,
        Instant deliveredAt, Instant finishedAt, JsonNode result, UUID jobId) {
}
