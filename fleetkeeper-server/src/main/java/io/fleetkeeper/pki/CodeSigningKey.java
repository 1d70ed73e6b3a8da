package io.fleetkeeper.pki;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's code-signing key as operators see it: its certificate and chain, never the private key.
 * {@code status}: ACTIVE or REVOKED (then {@code revokedAt} and the RFC 5280 {@code revocationReason}).
 *
 * @param serial      the certificate's serial number, lower-case hex
 * @param fingerprint SHA-256 of the certificate (DER), lower-case hex
 * @param chainPem    the certificate, then its CA chain up to the root, as in a signed manifest's {@code x5c}
 */
public record CodeSigningKey(UUID id, UUID caId, String subject, String serial, String fingerprint,
        Instant notBefore, Instant notAfter, String status, @Nullable Instant revokedAt,
        @Nullable String revocationReason, String certificatePem, String chainPem) {
}
