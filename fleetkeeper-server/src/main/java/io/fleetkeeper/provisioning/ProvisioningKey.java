package io.fleetkeeper.provisioning;

import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's provisioning key: devices that present it register into the tenant. The secret is shown
 * once at creation; lists show only its {@code prefix}.
 */
public record ProvisioningKey(UUID id, String label, String prefix, String deviceType, Instant expiresAt,
        Integer maxDevices, long devicesCount, Instant revokedAt, String createdBy, Instant createdAt) {

    /** A new key with its secret, returned exactly once. */
    public record Issued(ProvisioningKey key, String secret) {
    }
}
