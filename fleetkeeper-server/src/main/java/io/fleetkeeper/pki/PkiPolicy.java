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
 */
public record PkiPolicy(int renewalWindowDays, int criticalWindowDays, int overlapHours, int deviceValidityDays,
        UUID defaultCaId, long version) {

    public static final PkiPolicy DEFAULTS = new PkiPolicy(30, 7, 24, 365, null, 0);

    public PkiPolicy withDefaultCa(UUID ca) {
        return new PkiPolicy(renewalWindowDays, criticalWindowDays, overlapHours, deviceValidityDays, ca, version + 1);
    }
}
