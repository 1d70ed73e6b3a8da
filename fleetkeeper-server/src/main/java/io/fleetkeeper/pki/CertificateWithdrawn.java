package io.fleetkeeper.pki;

import java.util.UUID;

/**
 * Published after a certificate stops authenticating, once the change commits: revoked, superseded (its
 * rotation overlap ended), or expired. Authentication caches drop it on every node, and live sessions that
 * authenticated with this certificate, and only those, are closed.
 *
 * @param reason {@link #REVOKED}, {@link #SUPERSEDED} or {@link #EXPIRED}
 */
public record CertificateWithdrawn(UUID tenantId, UUID certificateId, UUID deviceId, String fingerprint,
        String reason) {

    public static final String REVOKED = "certificate revoked";
    public static final String SUPERSEDED = "certificate superseded";
    public static final String EXPIRED = "certificate expired";
}
