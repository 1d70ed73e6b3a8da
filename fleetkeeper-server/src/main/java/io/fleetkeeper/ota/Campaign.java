package io.fleetkeeper.ota;

import io.fleetkeeper.job.JobProgress;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import jakarta.annotation.Nullable;

/**
 * An OTA campaign: one firmware for a set of devices; {@code counts} is the number of devices per action status.
 * A campaign over a group or query runs as job {@code jobId}; {@code rollout} is that job's progress (devices
 * queued, started and finished, the current wave, rate and estimated time left). {@code state}: RUNNING, PAUSED,
 * CANCELED, and for a staged campaign COMPLETED or ABORTED (an error threshold was reached).
 */
public record Campaign(UUID id, UUID firmwareId, String state, Map<String, Long> counts, @Nullable UUID jobId,
        @Nullable JobProgress rollout, String createdBy, Instant createdAt, Instant updatedAt, long version) {

    public static final String RUNNING = "RUNNING";
    public static final String PAUSED = "PAUSED";
    public static final String CANCELED = "CANCELED";
    public static final String COMPLETED = "COMPLETED";
    public static final String ABORTED = "ABORTED";

    Campaign withRollout(JobProgress progress) {
        return new Campaign(id, firmwareId, state, counts, jobId, progress, createdBy, createdAt, updatedAt, version);
    }
}
