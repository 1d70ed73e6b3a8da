package io.fleetkeeper.secrets;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * What a device reads of its own {@code device_readable} slot: the active version's value (for an SSH key, its
 * public key). The value is never part of {@link #toString()}.
 */
public record DeviceReadableSecret(String slot, SecretType type, int version, String value,
        @Nullable Instant expiresAt) {

    @Override
    public String toString() {
        return "DeviceReadableSecret[slot=" + slot + ", type=" + type + ", version=" + version + "]";
    }
}
