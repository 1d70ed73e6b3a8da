package io.fleetkeeper.job;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * One device's execution of a job.
 *
 * @param attempt   0 for the first try, +1 per retry
 * @param commandId the command sent for this attempt (command and renew_certificate operations)
 * @param details   the outcome's details: a command's result, or an error's {@code code} and {@code detail}
 */
public record JobExecution(UUID jobId, UUID deviceId, ExecutionStatus status, int attempt, Instant queuedAt,
        Instant startedAt, Instant finishedAt, Instant updatedAt, UUID commandId, JsonNode details) {
}
