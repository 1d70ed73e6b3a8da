package io.fleetkeeper.pki;

import java.util.UUID;

/** Published after a revocation commits, so authentication caches can drop the certificate at once. */
public record CertificateRevoked(UUID tenantId, UUID certificateId, UUID deviceId, String fingerprint) {
}
