package io.fleetkeeper.pki;

import java.util.UUID;

/**
 * A tenant's certificate policy.
 *
 * @param renewalWindowDays  days before expiry when a certificate is RENEWAL_PENDING (default 30)
 * @param criticalWindowDays days before expiry when it is EXPIRING_SOON (default 7)
 * @param overlapHours       how long a rotated-out certificate stays valid (default 24)
 * @param deviceValidityDays validity of issued device certificates, clamped to the CA (default 365)
 * @param defaultCaId        the CA that issues device certificates unless a request names one
 * @param expiredRenewalGraceDays how many days after its expiry a device may still renew an expired certificate
 *                           with it (default 0: never)
 * @param autoRotate         whether the lifecycle worker issues a successor for a primary certificate that enters its
 *                           renewal window, delivered to the device and made primary once it confirms (default off)
 * @param rotationKey        the key of a rotation's successor: {@link #SAME_KEY} (default) or {@link #SERVER_KEY} (a
 *                           new key the server generates when it delivers the successor, never stored)
 */
public record PkiPolicy(int renewalWindowDays, int criticalWindowDays, int overlapHours, int deviceValidityDays,
        UUID defaultCaId, int expiredRenewalGraceDays, boolean autoRotate, String rotationKey, long version) {

    public static final String SAME_KEY = "SAME_KEY";
    public static final String SERVER_KEY = "SERVER_KEY";

    public static final PkiPolicy DEFAULTS = new PkiPolicy(30, 7, 24, 365, null, 0, false, SAME_KEY, 0);

    public PkiPolicy withDefaultCa(UUID ca) {
        return new PkiPolicy(renewalWindowDays, criticalWindowDays, overlapHours, deviceValidityDays, ca,
                expiredRenewalGraceDays, autoRotate, rotationKey, version + 1);
    }

    /** Whether a certificate that expired at {@code notAfter} may still be renewed with at {@code now}. */
    public boolean renewableAfterExpiry(java.time.Instant notAfter, java.time.Instant now) {
        return expiredRenewalGraceDays > 0
                && now.isBefore(notAfter.plus(java.time.Duration.ofDays(expiredRenewalGraceDays)));
    }
}
