package io.fleetkeeper.secrets;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A device's secret slot, never with a value: its type, its state and its current version's metadata.
 * {@code status}: ACTIVE (an active version, not expired), EXPIRED (the active version's {@code expires_at} has
 * passed) or REVOKED (no active version). {@code version} is the slot's resource version (ETag). The single-slot
 * view adds {@code versions}, oldest first.
 */
public record DeviceSecret(UUID deviceId, String slot, SecretType type, @Nullable String description,
        boolean deviceReadable, String status, @Nullable Integer activeVersion, int latestVersion,
        @Nullable String fingerprint, @Nullable String publicKey, @Nullable Instant expiresAt, Instant createdAt,
        Instant updatedAt, long version,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<SecretVersion> versions) {

    public DeviceSecret withVersions(List<SecretVersion> all) {
        return new DeviceSecret(deviceId, slot, type, description, deviceReadable, status, activeVersion,
                latestVersion, fingerprint, publicKey, expiresAt, createdAt, updatedAt, version, List.copyOf(all));
    }
}
