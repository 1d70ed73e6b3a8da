package io.fleetkeeper.provisioning;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A one-time enrollment code of a device registered without an identity: the device presents it as the HTTP
 * Basic password of EST {@code simpleenroll} and receives the certificate of its identity slot. A device has at
 * most one; a new one replaces it.
 */
public record EnrollmentCode(UUID id, UUID deviceId, String prefix, Instant expiresAt, @Nullable Instant usedAt,
        String createdBy, Instant createdAt) {

    /** A new code with its secret, returned exactly once. */
    public record Issued(EnrollmentCode code, String secret) {
    }
}
