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
 * CANCELED, and for a staged campaign COMPLETED or ABORTED (an error threshold was reached). {@code download} and
 * {@code update} are the handling the devices are asked for ({@code forced}, {@code attempt}, or for the update
 * {@code skip}: download only).
 */
public record Campaign(UUID id, UUID firmwareId, String download, String update, String state,
        Map<String, Long> counts, @Nullable UUID jobId,
        @Nullable JobProgress rollout, String createdBy, Instant createdAt, Instant updatedAt, long version) {

    public static final String RUNNING = "RUNNING";
    public static final String PAUSED = "PAUSED";
    public static final String CANCELED = "CANCELED";
    public static final String COMPLETED = "COMPLETED";
    public static final String ABORTED = "ABORTED";

    /** Handling of the download or the update: the device must. */
    public static final String FORCED = "forced";
    /** Handling of the download or the update: the device may ask its user first. */
    public static final String ATTEMPT = "attempt";
    /** Handling of the update: none, the campaign only downloads. */
    public static final String SKIP = "skip";

    /** Whether the campaign only downloads (its update is {@code skip}). */
    public boolean downloadOnly() {
        return SKIP.equals(update);
    }

    Campaign withRollout(JobProgress progress) {
        return new Campaign(id, firmwareId, download, update, state, counts, jobId, progress, createdBy, createdAt,
                updatedAt, version);
    }
}
