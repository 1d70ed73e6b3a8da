package io.fleetkeeper.provisioning;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's provisioning key: devices that present it register into the tenant. The secret is shown
 * once at creation; lists show only its {@code prefix}. With {@code templateId}, the devices it registers are
 * created from that template's latest version.
 */
public record ProvisioningKey(UUID id, @Nullable String label, String prefix, @Nullable String deviceType,
        @Nullable Instant expiresAt, @Nullable Integer maxDevices, long devicesCount, @Nullable Instant revokedAt,
        @Nullable String createdBy, Instant createdAt, @Nullable UUID templateId) {

    /** A new key with its secret, returned exactly once. */
    public record Issued(ProvisioningKey key, String secret) {
    }
}
