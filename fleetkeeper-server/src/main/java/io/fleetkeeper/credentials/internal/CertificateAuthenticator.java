package io.fleetkeeper.credentials.internal;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.AuthenticatedDevice.Method;
import io.fleetkeeper.credentials.Authentication;
import io.fleetkeeper.credentials.Refusal;
import io.fleetkeeper.credentials.Refusal.Reason;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.pki.PkiPolicy;
import io.fleetkeeper.pki.PolicyService;
import io.fleetkeeper.pki.RotationService;
import io.fleetkeeper.pki.TenantCertificate;
import io.fleetkeeper.pki.TrustIndex;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The store path for a client certificate chain: the leaf must be a recorded certificate of a device in exactly
 * one tenant, the chain must validate against that tenant's CAs (and not only through a trust anchor when a CA
 * another tenant manages issued it), the certificate must be ACTIVE, inside its validity and not past a rotation
 * overlap, and its device admitted ({@link Admission}).
 */
@Component
class CertificateAuthenticator {

    /**
     * The decision and, when it is a grant, the time window in which it holds (epoch ms), and whether the
     * certificate is a rotation successor waiting for the device's confirmation (this use confirms it).
     */
    record Result(Authentication outcome, long validFrom, long validUntil, boolean pendingSuccessor) {

        Result(Authentication outcome, long validFrom, long validUntil) {
            this(outcome, validFrom, validUntil, false);
        }
    }

    private final TrustIndex trust;
    private final CertificateService certificates;
    private final Admission admission;
    private final CredentialConflicts conflicts;
    private final PolicyService policies;
    private final Clock clock;

    CertificateAuthenticator(TrustIndex trust, CertificateService certificates, Admission admission,
            CredentialConflicts conflicts, PolicyService policies, Clock clock) {
        this.policies = policies;
        this.trust = trust;
        this.certificates = certificates;
        this.admission = admission;
        this.conflicts = conflicts;
        this.clock = clock;
    }

    Result authenticate(X509Certificate[] chain) {
        return authenticate(chain, false, null);
    }

    /** As {@link #authenticate(X509Certificate[])}, with the leaf's fingerprint computed by the caller. */
    Result authenticate(X509Certificate[] chain, String fingerprint) {
        return authenticate(chain, false, fingerprint);
    }

    /**
     * As {@link #authenticate(X509Certificate[])}, for a renewal: an expired certificate still authenticates
     * while its tenant's policy grants a grace after expiry ({@link PkiPolicy#renewableAfterExpiry}). Its chain
     * is then validated as of its own expiry; the CA that issued it must be valid now.
     */
    Result authenticateForRenewal(X509Certificate[] chain) {
        return authenticate(chain, true, null);
    }

    private Result authenticate(X509Certificate[] chain, boolean renewal, String leafFingerprint) {
        if (chain == null || chain.length == 0) {
            return refused(Reason.NO_CREDENTIAL, "no client certificate was presented");
        }
        // The recorded certificate names the tenant; its chain must then validate against that tenant's CAs.
        // (Looking up the CA first could pick another tenant that registered the same CA.)
        String fingerprint = leafFingerprint != null ? leafFingerprint : Pem.fingerprint(chain[0]);
        List<TenantCertificate> bound = certificates.recordsOf(fingerprint).stream()
                .filter(r -> r.certificate().deviceId() != null).toList();
        if (bound.stream().map(TenantCertificate::tenantId).distinct().count() > 1) {
            // Whoever bound it first is no answer: an attacker can bind first. Nobody gets it, everybody is told.
            conflicts.report(fingerprint, bound);
            return refused(Reason.AMBIGUOUS, "the client certificate is bound to devices of more than one tenant "
                    + "and authenticates in none of them");
        }
        UUID tenantId = null;
        DeviceCertificate cert = null;
        for (var r : bound) {
            var verified = renewal ? trust.verifyAt(chain, r.tenantId(), validationTime(chain[0]))
                    : trust.verifyIn(chain, r.tenantId(), fingerprint);
            if (verified.isPresent() && !("TRUST_ANCHOR".equals(verified.get().issuerKind())
                    && trust.issuedByAnotherTenantsCa(chain[0], r.tenantId()))) {
                tenantId = r.tenantId();
                cert = r.certificate();
                break;
            }
        }
        if (cert == null) {
            if (!bound.isEmpty()) {
                return refused(Reason.UNTRUSTED, "the client certificate does not validate against its tenant's CAs "
                        + "now");
            }
            return trust.verify(chain).isPresent()
                    ? refused(Reason.UNKNOWN_CERTIFICATE, "the client certificate is not bound to a device")
                    : refused(Reason.UNTRUSTED, "the client certificate is not issued by a known CA, or is outside "
                            + "its validity");
        }
        if (!forClientAuthentication(chain[0])) {
            // A device's TLS server or code-signing certificate (an extra slot) is not a login.
            return refused(Reason.UNTRUSTED, "the client certificate is not for TLS client authentication (its "
                    + "extended key usage names neither clientAuth nor anyExtendedKeyUsage)");
        }
        Instant now = clock.instant();
        if (cert.status().equals("REVOKED")) {
            return refused(Reason.REVOKED, "the client certificate is revoked");
        }
        if (!cert.status().equals("ACTIVE") || (cert.supersededAt() != null && !now.isBefore(cert.supersededAt()))) {
            return refused(Reason.SUPERSEDED, "the client certificate was replaced and its overlap has ended");
        }
        if (now.isBefore(cert.notBefore())) {
            return refused(Reason.NOT_VALID_NOW, "the client certificate is not valid now");
        }
        if (!now.isBefore(cert.notAfter()) && !(renewal
                && policies.get(tenantId).renewableAfterExpiry(cert.notAfter(), now))) {
            return refused(Reason.NOT_VALID_NOW, renewal ? "the client certificate has expired, and its tenant's "
                    + "policy allows no renewal with it (no grace, or the grace has ended)"
                    : "the client certificate is not valid now");
        }
        Refusal refusal = admission.check(tenantId, cert.deviceId());
        if (refusal != null) {
            return new Result(refusal, 0, 0);
        }
        long until = cert.notAfter().toEpochMilli();
        if (cert.supersededAt() != null) {
            until = Math.min(until, cert.supersededAt().toEpochMilli());
        }
        return new Result(new AuthenticatedDevice(tenantId, cert.deviceId(), Method.CERTIFICATE, cert.id(),
                cert.slot()), cert.notBefore().toEpochMilli(), until, RotationService.PENDING.equals(cert.rotationState()));
    }

    /** Whether the leaf may be a TLS client certificate: no extended key usage, or one naming clientAuth. */
    private static boolean forClientAuthentication(X509Certificate leaf) {
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            return eku == null || eku.contains("1.3.6.1.5.5.7.3.2") || eku.contains("2.5.29.37.0");
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
    }

    /** Now, or the leaf's expiry when that has passed: a moment at which the leaf was valid. */
    private Instant validationTime(X509Certificate leaf) {
        Instant now = clock.instant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        return now.isAfter(notAfter) ? notAfter : now;
    }

    private static Result refused(Reason reason, String detail) {
        return new Result(new Refusal(reason, detail), 0, 0);
    }
}
