package io.fleetkeeper.job;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * Published synchronously, inside the transaction that changes it, whenever a job's status changes: created
 * ({@code from} null), paused, resumed, canceled, aborted or completed. A listener writing in that transaction
 * (the event feature's outbox) commits or rolls back with the change.
 *
 * @param reason why it ended (aborted, canceled), or null
 */
public record JobStatusChanged(UUID tenantId, UUID jobId, @Nullable JobStatus from, JobStatus to,
        @Nullable String reason, String actor, Instant at) {
}
