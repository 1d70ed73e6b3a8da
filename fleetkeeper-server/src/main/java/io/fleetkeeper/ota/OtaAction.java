package io.fleetkeeper.ota;

import java.time.Instant;
import java.util.UUID;
import jakarta.annotation.Nullable;

/**
 * One device's part of a campaign. {@code id} is numeric because hawkBit DDI clients echo it as a JSON number.
 * {@code status}: PENDING (offered), DOWNLOADING, INSTALLING, then SUCCEEDED, FAILED, TIMED_OUT, SKIPPED (the
 * device did not fit; {@code detail} says why) or CANCELED; CANCELING while the device is asked to cancel.
 */
public record OtaAction(long id, UUID campaignId, UUID deviceId, UUID firmwareId, String status,
        @Nullable String detail, Instant createdAt, Instant updatedAt) {

    public static final String PENDING = "PENDING";
    public static final String DOWNLOADING = "DOWNLOADING";
    public static final String INSTALLING = "INSTALLING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";
    public static final String CANCELED = "CANCELED";
    public static final String CANCELING = "CANCELING";
    public static final String SKIPPED = "SKIPPED";
    public static final String TIMED_OUT = "TIMED_OUT";

    public boolean open() {
        return PENDING.equals(status) || DOWNLOADING.equals(status) || INSTALLING.equals(status)
                || CANCELING.equals(status);
    }
}
