package io.fleetkeeper.pki;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A tenant CA. {@code kind}: {@code ROOT} and {@code ISSUING} (created here), {@code IMPORTED} (certificate
 * and key brought in), {@code TRUST_ANCHOR} (certificate only, e.g. a manufacturer's factory root). The
 * private key is never part of this view.
 */
public record CertificateAuthority(UUID id, String name, String kind, @Nullable UUID parentId, String subject,
        String keyAlgorithm, String fingerprint, Instant notBefore, Instant notAfter, String status,
        boolean hasPrivateKey, boolean isDefault, String certificatePem) {

    public boolean canIssue() {
        return hasPrivateKey && !kind.equals("ROOT");
    }
}
