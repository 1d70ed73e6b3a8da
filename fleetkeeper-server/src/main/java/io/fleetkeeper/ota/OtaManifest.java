package io.fleetkeeper.ota;

import java.util.List;
import java.util.UUID;
import jakarta.annotation.Nullable;

/**
 * What a device is told about its execution (on {@code fk/<id>/ota/notify} and by
 * {@code GET /device/v1/ota/next}): the firmware to install and where to download its artifacts.
 *
 * @param executionId the action's id, to name in status reports
 * @param status      the execution's status; CANCELING asks the device to stop
 * @param download    {@code forced} or {@code attempt} (the device may ask its user first)
 * @param update      {@code forced}, {@code attempt}, or {@code skip}: download only (report DOWNLOADED and stop);
 *                    also {@code skip} while the campaign's maintenance window is closed
 * @param maintenanceWindow {@code available} or {@code unavailable} for a campaign with a maintenance window;
 *                    absent otherwise
 * @param signature   the manifest (all the other fields) as a compact JWS signed with the tenant's code-signing
 *                    key (ES256, its certificate chain in {@code x5c}); absent when the tenant has no issuing CA.
 *                    A device verifies it against its tenant CA and then trusts the JWS payload only
 */
public record OtaManifest(long executionId, UUID campaignId, UUID firmwareId, String name, String version,
        String status, String download, String update, @Nullable String maintenanceWindow,
        List<Artifact> artifacts, @Nullable String signature) {

    /** This manifest with its signature. */
    public OtaManifest signed(String jws) {
        return new OtaManifest(executionId, campaignId, firmwareId, name, version, status, download, update,
                maintenanceWindow, artifacts, jws);
    }

    /**
     * One file with its size and digests (lower-case hex).
     *
     * @param url its path on the device listener, where the device downloads it (with {@code Range} to resume)
     */
    public record Artifact(String filename, long size, String sha256, String sha1, String md5, String url) {
    }
}
