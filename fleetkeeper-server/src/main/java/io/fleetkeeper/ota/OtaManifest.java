package io.fleetkeeper.ota;

import java.util.List;
import java.util.UUID;

/**
 * What a device is told about its execution (on {@code fk/<id>/ota/notify} and by
 * {@code GET /device/v1/ota/next}): the firmware to install and where to download its artifacts.
 *
 * @param executionId the action's id, to name in status reports
 * @param status      the execution's status; CANCELING asks the device to stop
 */
public record OtaManifest(long executionId, UUID campaignId, UUID firmwareId, String name, String version,
        String status, List<Artifact> artifacts) {

    /**
     * One file with its size and digests (lower-case hex).
     *
     * @param url its path on the device listener, where the device downloads it (with {@code Range} to resume)
     */
    public record Artifact(String filename, long size, String sha256, String sha1, String md5, String url) {
    }
}
