package io.fleetkeeper.ota;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A firmware in the catalog: one {@code version} of {@code name}, unique in the tenant.
 *
 * @param deviceTypes the device types it fits; empty: any
 * @param artifacts   its files, by name
 * @param revision    changes with every update, artifact upload and delete (the ETag)
 */
public record Firmware(UUID id, String name, String version, List<String> deviceTypes, @Nullable String description,
        @Nullable String releaseNotes, List<FirmwareArtifact> artifacts, String createdBy, Instant createdAt,
        Instant updatedAt, long revision) {
}
