package io.fleetkeeper.pki;

import java.time.Duration;
import java.time.Instant;

/** A device's identity status, derived from the primary certificate of its identity slot. */
public final class IdentityStatus {

    public static final String NO_IDENTITY = "NO_IDENTITY";
    public static final String ACTIVE = "ACTIVE";
    public static final String RENEWAL_PENDING = "RENEWAL_PENDING";
    public static final String EXPIRING_SOON = "EXPIRING_SOON";
    public static final String EXPIRED = "EXPIRED";
    public static final String REVOKED = "REVOKED";

    private IdentityStatus() {
    }

    public static String of(DeviceCertificate primary, PkiPolicy policy, Instant now) {
        if (primary == null) {
            return NO_IDENTITY;
        }
        if (primary.status().equals("REVOKED")) {
            return REVOKED;
        }
        return window(primary.notAfter(), policy, now);
    }

    /** ACTIVE, RENEWAL_PENDING, EXPIRING_SOON or EXPIRED, by how close {@code notAfter} is. */
    public static String window(Instant notAfter, PkiPolicy policy, Instant now) {
        if (!now.isBefore(notAfter)) {
            return EXPIRED;
        }
        if (!now.isBefore(notAfter.minus(Duration.ofDays(policy.criticalWindowDays())))) {
            return EXPIRING_SOON;
        }
        if (!now.isBefore(notAfter.minus(Duration.ofDays(policy.renewalWindowDays())))) {
            return RENEWAL_PENDING;
        }
        return ACTIVE;
    }
}
