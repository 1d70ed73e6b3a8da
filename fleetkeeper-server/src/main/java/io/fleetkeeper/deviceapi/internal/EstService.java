package io.fleetkeeper.deviceapi.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.pki.CaService;
import io.fleetkeeper.pki.CertificateAuthority;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.KeyAlgorithm;
import io.fleetkeeper.provisioning.CaChoice;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * EST (RFC 7030) on top of the PKI: which tenant CA a label names, its certificates, and enrollment of
 * an authenticated device.
 *
 * <p>Labels: none = the tenant's default CA; {@code <ca-name>} = that CA; the tenant is the one of the
 * credential (client certificate, claim token, enrollment code, or the manifest a factory certificate's serial
 * is in). {@code <tenant-id>} and {@code <tenant-id>.<ca-name>} name the tenant explicitly, so {@code cacerts}
 * works without a client certificate; an enrolling credential must belong to that tenant. A label that
 * names another tenant, or a CA the tenant does not have, is answered 404 whatever the credential.
 */
@Component
public class EstService {

    private static final int UUID_LENGTH = 36;
    /** The type of the keys this server generates for devices (serverkeygen). */
    static final KeyAlgorithm SERVER_KEY = KeyAlgorithm.EC_P256;

    /**
     * A key pair generated here and the certificate issued for it. The private key goes to the device in the
     * response and nowhere else: it is neither stored nor logged, and {@link #toString} leaves it out.
     */
    public record ServerKey(Issued issued, PrivateKey privateKey) {

        @Override
        public String toString() {
            return "ServerKey[certificate=" + issued.certificate().id() + "]";
        }
    }

    private final CaService cas;
    private final CertificateService certificates;
    private final AuditService audit;
    private final Clock clock;
    private final TransactionTemplate tx;

    EstService(CaService cas, CertificateService certificates, AuditService audit, Clock clock,
            PlatformTransactionManager txManager) {
        this.cas = cas;
        this.certificates = certificates;
        this.audit = audit;
        this.clock = clock;
        this.tx = new TransactionTemplate(txManager);
    }

    /** The chain of the CA the label names (that CA first, up to its root). */
    public List<X509Certificate> caCertificates(String label, AuthenticatedDevice identity) {
        Target target = resolve(label, identity == null ? null : identity.tenantId(), false);
        return cas.chain(target.tenantId(), target.ca().id());
    }

    /**
     * Issues a certificate for the device's CSR from the CA the label names. {@code simpleenroll} fills the
     * identity slot; {@code simplereenroll} renews or re-keys the presented certificate's slot. Subject and
     * subjectAltName always derive from the device id, so a re-enrolled certificate keeps them.
     */
    public X509Certificate enroll(String label, AuthenticatedDevice identity, PKCS10CertificationRequest csr,
            boolean reenroll) {
        // The CSR's signature is checked before the transaction: on SQLite a write transaction holds the store's
        // single write lock, and the check is the costliest step of an issuance (an ECDSA verification).
        // A label naming no CA of the tenant is still refused first; the CA is read again in the transaction.
        Target target = resolve(label, identity.tenantId(), true);
        PublicKey key = certificates.verifyCsr(csr);
        return tx.execute(status -> {
            String slot = reenroll ? identity.slot() : CertificateService.IDENTITY_SLOT;
            Issued issued = issue(identity, key, slot, target.ca().id(), reenroll);
            if (reenroll) {
                auditIfExpired(identity, issued);
            }
            return issued.chain().get(0);
        });
    }

    /**
     * The CA a label names for a device provisioned into a tenant (claim token, enrollment code, factory
     * certificate), known only once the credential has been checked: null (the default CA) without a label;
     * 404 when the label names another tenant or a CA the tenant does not have.
     */
    public CaChoice caChoice(String label) {
        return tenantId -> label == null ? null : resolve(label, tenantId, true).ca().id();
    }

    /** Renews the presented certificate's slot with a new key, from the tenant's default CA. */
    public Issued renew(AuthenticatedDevice identity, PKCS10CertificationRequest csr) {
        PublicKey key = certificates.verifyCsr(csr); // outside the transaction, as in enroll
        return tx.execute(status -> {
            Issued issued = issue(identity, key, identity.slot(), null, true);
            auditIfExpired(identity, issued);
            return issued;
        });
    }

    /**
     * A renewal with an expired certificate (within the tenant's grace, or the device would not be here) is
     * audited as such, besides the issuance itself.
     */
    private void auditIfExpired(AuthenticatedDevice identity, Issued issued) {
        if (identity.certificateId() == null) {
            return;
        }
        DeviceCertificate presented = certificates.get(identity.tenantId(), identity.certificateId());
        if (clock.instant().isBefore(presented.notAfter())) {
            return;
        }
        audit.recordDetails(identity.tenantId(), new Caller(identity.tenantId(), identity.actor(), Role.OPERATOR),
                "certificate.renew_expired", "certificate", issued.certificate().id().toString(),
                Map.of("device_id", identity.deviceId().toString(), "expired_certificate_id",
                        presented.id().toString(), "expired_at", presented.notAfter().toString()));
    }

    /**
     * Server-side key generation (RFC 7030 4.4): a new key pair, and a certificate for it from the CA the label
     * names (the tenant's default CA when {@code label} is null), in the slot of the presented certificate, as
     * {@code simplereenroll} re-keys it. The old certificate is superseded by the PKI policy's overlap.
     */
    public ServerKey generateKey(String label, AuthenticatedDevice identity) {
        Target target = resolve(label, identity.tenantId(), true);
        KeyPair pair = SERVER_KEY.generate();
        Caller device = new Caller(identity.tenantId(), identity.actor(), Role.OPERATOR);
        Issued issued = certificates.renewForKey(device, identity.deviceId(), pair.getPublic(), identity.slot(),
                target.ca().id());
        return new ServerKey(issued, pair.getPrivate());
    }

    private Issued issue(AuthenticatedDevice identity, PublicKey verifiedKey, String slot, UUID caId,
            boolean renewal) {
        Caller device = new Caller(identity.tenantId(), identity.actor(), Role.OPERATOR);
        if (renewal) {
            return certificates.renewForKey(device, identity.deviceId(), verifiedKey, slot, caId);
        }
        return certificates.issueForKey(device, identity.deviceId(), verifiedKey, slot, caId);
    }

    private record Target(UUID tenantId, CertificateAuthority ca) {
    }

    private Target resolve(String label, UUID callerTenant, boolean enrolling) {
        UUID tenant = callerTenant;
        String caName = label;
        UUID named = label == null ? null : qualifiedTenant(label);
        if (named != null) {
            if (enrolling && !named.equals(callerTenant)) {
                // Not 403: whether the named tenant exists is none of the caller's business.
                throw new ApiException(ErrorCode.NOT_FOUND, "the label names no CA of the credential's tenant");
            }
            tenant = named;
            caName = label.length() > UUID_LENGTH ? label.substring(UUID_LENGTH + 1) : null;
        }
        if (tenant == null) {
            throw new ApiException(ErrorCode.NOT_FOUND, "without a client certificate, name the tenant in the "
                    + "label: /.well-known/est/<tenant-id>[.<ca-name>]/cacerts");
        }
        String wanted = caName;
        CertificateAuthority ca = cas.list(tenant).stream()
                .filter(c -> wanted == null ? c.isDefault() : c.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, wanted == null
                        ? "the tenant has no default CA" : "no CA named '" + wanted + "'"));
        return new Target(tenant, ca);
    }

    /** The tenant of a label of the form {@code <tenant-id>} or {@code <tenant-id>.<ca-name>}; else null. */
    static UUID qualifiedTenant(String label) {
        if (label.length() < UUID_LENGTH || (label.length() > UUID_LENGTH && label.charAt(UUID_LENGTH) != '.')) {
            return null;
        }
        try {
            UUID id = UUID.fromString(label.substring(0, UUID_LENGTH));
            return id.toString().equalsIgnoreCase(label.substring(0, UUID_LENGTH)) ? id : null;
        } catch (IllegalArgumentException notUuid) {
            return null;
        }
    }
}
