package io.fleetkeeper.provisioning;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A claim token: an installer hands it to a device, which presents it with a CSR and receives a device
 * record and a certificate. At most {@code maxUses} devices claim with it.
 */
public record ClaimToken(UUID id, String label, String prefix, @Nullable String deviceType, Map<String,
        String> defaultMetadata, int maxUses, int usesCount, Instant expiresAt, @Nullable Instant revokedAt,
        @Nullable String createdBy, Instant createdAt) {

    /** A new token with its secret, returned exactly once. */
    public record Issued(ClaimToken token, String secret) {
    }
}
