package io.fleetkeeper.job;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A job as the API shows it: its spec, its state and its progress. */
public record Job(UUID id, String name, String description, JobStatus status, String statusReason,
        NewJob.Target target, String targeting, NewJob.Operation operation, NewJob.Rollout rollout,
        List<NewJob.AbortCriterion> abort, long timeoutSeconds, List<NewJob.RetryCriterion> retries,
        String idempotencyKey, String actor, Instant createdAt, Instant updatedAt, Instant finishedAt, long version,
        JobProgress progress) {
}
