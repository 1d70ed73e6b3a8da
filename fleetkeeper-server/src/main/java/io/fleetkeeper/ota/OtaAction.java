package io.fleetkeeper.ota;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import jakarta.annotation.Nullable;

/**
 * One device's part of a campaign (its execution). {@code id} is numeric because hawkBit DDI clients echo it as a
 * JSON number. {@code status}: QUEUED (offered; the device has not been told), NOTIFIED (the manifest reached the
 * device), DOWNLOADING, DOWNLOADED, INSTALLING, then SUCCEEDED, FAILED, TIMED_OUT, SKIPPED (the device did not
 * fit; {@code detail} says why) or CANCELED; CANCELING while the device is asked to cancel. {@code progress} is
 * the percent the device last reported; {@code startedAt} its first download or install report. In a download-only
 * campaign DOWNLOADED is final ({@code finishedAt} set).
 */
public record OtaAction(long id, UUID campaignId, UUID deviceId, UUID firmwareId, String status,
        @Nullable String detail, @Nullable Integer progress, Instant createdAt, Instant updatedAt,
        @Nullable Instant notifiedAt, @Nullable Instant startedAt, @Nullable Instant finishedAt) {

    public static final String QUEUED = "QUEUED";
    public static final String NOTIFIED = "NOTIFIED";
    public static final String DOWNLOADING = "DOWNLOADING";
    public static final String DOWNLOADED = "DOWNLOADED";
    public static final String INSTALLING = "INSTALLING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";
    public static final String CANCELED = "CANCELED";
    public static final String CANCELING = "CANCELING";
    public static final String SKIPPED = "SKIPPED";
    public static final String TIMED_OUT = "TIMED_OUT";

    /** The unfinished statuses before the device started, then while it works, in order. */
    public static final List<String> IN_PROGRESS = List.of(QUEUED, NOTIFIED, DOWNLOADING, DOWNLOADED, INSTALLING);

    public boolean open() {
        return finishedAt == null && (IN_PROGRESS.contains(status) || CANCELING.equals(status));
    }

    /** Whether the device has not started yet (QUEUED or NOTIFIED). */
    public boolean notStarted() {
        return QUEUED.equals(status) || NOTIFIED.equals(status);
    }
}
