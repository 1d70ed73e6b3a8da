package io.fleetkeeper.provisioning;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A claim token: an installer hands it to a device, which presents it with a CSR and receives a device
 * record and a certificate. At most {@code maxUses} devices claim with it; with {@code templateId}, they are
 * created from that template's latest version.
 */
public record ClaimToken(UUID id, String label, String prefix, @Nullable String deviceType, Map<String,
        String> defaultMetadata, int maxUses, int usesCount, Instant expiresAt, @Nullable Instant revokedAt,
        @Nullable String createdBy, Instant createdAt, @Nullable UUID templateId) {

    /** A new token with its secret, returned exactly once. */
    public record Issued(ClaimToken token, String secret) {
    }
}
