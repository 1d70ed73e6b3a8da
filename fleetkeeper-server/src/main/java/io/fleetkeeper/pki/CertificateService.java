package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceRetiring;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.pki.internal.CertificateRepository;
import io.fleetkeeper.pki.internal.CsrPolicy;
import io.fleetkeeper.pki.internal.PolicyRepository;
import io.fleetkeeper.pki.internal.ProfilePolicy;
import io.fleetkeeper.pki.internal.SignatureVerifiers;
import io.fleetkeeper.pki.internal.X509Factory;
import io.fleetkeeper.pki.internal.X509Factory.LeafProfile;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Device certificates: issue from a CSR, bind an uploaded certificate, rotate (renew with the same key
 * or re-key with a new CSR), revoke. Policy decides the certificate's content; the CA signer signs;
 * this class records the result and keeps the device's identity status in step.
 */
@Service
public class CertificateService {

    public static final String IDENTITY_SLOT = "identity";
    private static final Pattern SLOT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    static final Map<String, Integer> REASONS = Map.of("unspecified", 0, "keyCompromise", 1, "cACompromise", 2,
            "affiliationChanged", 3, "superseded", 4, "cessationOfOperation", 5, "privilegeWithdrawn", 9);

    /** A new certificate with the chain that a device installs (leaf first, up to the root). */
    public record Issued(DeviceCertificate certificate, List<X509Certificate> chain) {
    }

    private static final ProfilePolicy.Checked CLIENT = new ProfilePolicy.Checked(CertificateProfile.CLIENT,
            List.of());

    private final CertificateRepository certs;
    private final CaService cas;
    private final PolicyRepository policies;
    private final DeviceService devices;
    private final CrlService crls;
    private final AuditService audit;
    private final ApplicationEventPublisher events;
    private final PublicBaseUrl baseUrl;
    private final SignatureVerifiers verifiers;
    private final Clock clock;

    CertificateService(CertificateRepository certs, CaService cas, PolicyRepository policies, DeviceService devices,
            CrlService crls, AuditService audit, ApplicationEventPublisher events, PublicBaseUrl baseUrl,
            SignatureVerifiers verifiers, Clock clock) {
        this.certs = certs;
        this.cas = cas;
        this.policies = policies;
        this.devices = devices;
        this.crls = crls;
        this.audit = audit;
        this.events = events;
        this.baseUrl = baseUrl;
        this.verifiers = verifiers;
        this.clock = clock;
    }

    /** Signs a device's CSR into {@code slot} (the identity slot when null) with the tenant's CA. */
    @Transactional
    public Issued issue(Caller caller, UUID deviceId, PKCS10CertificationRequest csr, String slot,
            UUID caId) {
        return issue(caller, deviceId, csr, slot, caId, IssueOptions.CLIENT);
    }

    /**
     * As {@link #issue(Caller, UUID, PKCS10CertificationRequest, String, UUID)}, with a {@link CertificateProfile}
     * other than {@code client} (in a named slot) and, for {@code tls-server}, its DNS names and IP addresses.
     */
    @Transactional
    public Issued issue(Caller caller, UUID deviceId, PKCS10CertificationRequest csr, String slot,
            UUID caId, IssueOptions options) {
        UUID tenantId = caller.tenantId();
        String s = slotOf(slot);
        ProfilePolicy.Checked profile = ProfilePolicy.check(options, s, IDENTITY_SLOT);
        Device device = requireIssuable(tenantId, deviceId);
        PublicKey key = CsrPolicy.verifiedKey(csr, "csr", verifiers);
        return sign(caller, device, key, s, caId, "ISSUED", "CERTIFICATE-ISSUED", profile);
    }

    /**
     * Checks a CSR (signature = proof of possession, key strength) and returns its key. Provisioning calls it
     * before opening its transaction, then {@link #issueForKey}, so no lock is held during the check.
     */
    public PublicKey verifyCsr(PKCS10CertificationRequest csr) {
        return CsrPolicy.verifiedKey(csr, "csr", verifiers);
    }

    /** As {@link #issue}, for a key that {@link #verifyCsr} already checked. */
    @Transactional
    public Issued issueForKey(Caller caller, UUID deviceId, PublicKey verifiedKey, String slot,
            UUID caId) {
        UUID tenantId = caller.tenantId();
        return sign(caller, requireIssuable(tenantId, deviceId), verifiedKey, slotOf(slot), caId, "ISSUED",
                "CERTIFICATE-ISSUED", CLIENT);
    }

    /**
     * A device renewing its slot (EST {@code simplereenroll}, the JSON renewal, server-generated keys): as
     * {@link #issueForKey}, for a key that {@link #verifyCsr} already checked or that the server generated, and
     * recorded as a {@link DeviceEvent#RENEWED} device event.
     */
    @Transactional
    public Issued renewForKey(Caller caller, UUID deviceId, PublicKey verifiedKey, String slot, UUID caId) {
        UUID tenantId = caller.tenantId();
        String s = slotOf(slot);
        ProfilePolicy.Checked profile = certs.primary(tenantId, deviceId, s)
                .map(c -> ProfilePolicy.of(Pem.certificates(c.pem(), "pem").get(0))).orElse(CLIENT);
        return sign(caller, requireIssuable(tenantId, deviceId), verifiedKey, s, caId, "ISSUED",
                DeviceEvent.RENEWED, profile);
    }

    /** Renews the slot's primary certificate: same key, new validity, new serial. */
    @Transactional
    public Issued renew(Caller caller, UUID certificateId) {
        UUID tenantId = caller.tenantId();
        DeviceCertificate cur = get(tenantId, certificateId);
        if (!cur.status().equals("ACTIVE") || !cur.primary()) {
            throw new ApiException(ErrorCode.CONFLICT, "only a slot's active primary certificate can be renewed");
        }
        Device device = requireIssuable(tenantId, cur.deviceId());
        X509Certificate x = Pem.certificates(cur.pem(), "pem").get(0);
        return sign(caller, device, x.getPublicKey(), cur.slot(), null, "RENEWED", DeviceEvent.RENEWED,
                ProfilePolicy.of(x));
    }

    private Issued sign(Caller caller, Device device, PublicKey key, String slot, UUID caId,
            String origin, String event, ProfilePolicy.Checked kind) {
        UUID tenantId = caller.tenantId();
        PkiPolicy policy = policies.get(tenantId);
        Instant now = Times.now(clock);
        Signed signed = signLeaf(tenantId, device, key, caId, policy, now, kind);
        DeviceCertificate stored = record(tenantId, device.id(), signed.caId(), signed.leaf(), slot, origin, now,
                policy);
        devices.recordEvent(tenantId, device.id(), event,
                caller.actor(), "{\"certificate_id\":\"" + stored.id() + "\",\"slot\":\"" + slot + "\"}");
        provisioned(caller, stored);
        audit.record(tenantId, caller, "certificate." + origin.toLowerCase(), "certificate", stored.id().toString(),
                "{\"device_id\":\"" + device.id() + "\",\"serial\":\"" + stored.serial() + "\"}");
        return new Issued(stored, signed.chain());
    }

    /** A signed leaf, the CA that signed it and the chain to install (leaf first, up to the root). */
    record Signed(X509Certificate leaf, UUID caId, List<X509Certificate> chain) {
    }

    /**
     * Signs a device certificate for {@code key} with the tenant's issuing CA ({@code caId}, or the default), in
     * the profile {@code kind} (key usages and extra names).
     */
    Signed signLeaf(UUID tenantId, Device device, PublicKey key, UUID caId, PkiPolicy policy, Instant now,
            ProfilePolicy.Checked kind) {
        CertificateAuthority ca = cas.issuingCa(tenantId, caId, policy);
        CaSigner signer = cas.signer(tenantId, ca.id());
        Instant notAfter = now.plus(Duration.ofDays(policy.deviceValidityDays()));
        if (notAfter.isAfter(ca.notAfter())) {
            notAfter = ca.notAfter();
        }
        String base = baseUrl.get() + "/pki/v1/tenants/" + tenantId + "/cas/" + ca.id();
        List<GeneralName> names = new java.util.ArrayList<>(List.of(new GeneralName(
                GeneralName.uniformResourceIdentifier, "urn:fleetkeeper:device:" + device.id())));
        names.addAll(kind.names());
        LeafProfile profile = new LeafProfile(
                new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, device.id().toString())
                        .addRDN(BCStyle.OU, "tenant " + tenantId).addRDN(BCStyle.O, "Fleetkeeper").build(),
                names, kind.profile() == CertificateProfile.CLIENT, kind.profile() == CertificateProfile.TLS_SERVER,
                now.minus(Duration.ofMinutes(1)), notAfter, base + "/crl", base + "/ocsp",
                kind.profile() == CertificateProfile.CODE_SIGNING);
        BigInteger serial = X509Factory.serial();
        X509Certificate x = X509Factory.leaf(signer, key, serial, profile);
        List<X509Certificate> chain = new java.util.ArrayList<>();
        chain.add(x);
        chain.addAll(cas.chain(tenantId, ca.id()));
        return new Signed(x, ca.id(), chain);
    }

    /** Binds an externally issued certificate, which must chain to one of the tenant's CAs. */
    @Transactional
    public DeviceCertificate upload(Caller caller, UUID deviceId, String pem, String slot) {
        UUID tenantId = caller.tenantId();
        Device device = requireIssuable(tenantId, deviceId);
        List<X509Certificate> chain = Pem.certificates(pem, "certificate_pem");
        X509Certificate x = chain.get(0);
        if (x.getBasicConstraints() >= 0) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "a CA certificate cannot be a device certificate",
                    List.of(new ApiException.FieldError("certificate_pem", "must be an end-entity certificate")));
        }
        CsrPolicy.requireStrong(x.getPublicKey(), "certificate_pem");
        TrustIndex.Verified v = cas.trust().verify(chain.toArray(X509Certificate[]::new), tenantId)
                .orElseThrow(() -> new ApiException(ErrorCode.VALIDATION_FAILED,
                        "certificate does not chain to one of this tenant's CAs, or is not valid now",
                        List.of(new ApiException.FieldError("certificate_pem", "is not issued by a tenant CA"))));
        if (cas.trust().issuedByAnotherTenantsCa(x, tenantId)) {
            // Registered as a trust anchor here, but managed by another tenant: its certificates are that tenant's.
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "certificate is issued by a CA this tenant does not "
                    + "manage", List.of(new ApiException.FieldError("certificate_pem", "is not issued by a tenant CA")));
        }
        Instant now = Times.now(clock);
        DeviceCertificate stored = record(tenantId, device.id(), v.issuerCaId(), x, slotOf(slot), "UPLOADED", now,
                policies.get(tenantId));
        devices.recordEvent(tenantId, device.id(), "CERTIFICATE-BOUND", caller.actor(),
                "{\"certificate_id\":\"" + stored.id() + "\",\"slot\":\"" + stored.slot() + "\"}");
        provisioned(caller, stored);
        for (TenantCertificate other : certs.allByFingerprint(stored.fingerprint())) {
            if (!other.tenantId().equals(tenantId) && other.certificate().deviceId() != null) {
                // Now bound in two tenants, it authenticates in neither: drop it from every cache, close its sessions.
                withdrawn(other.tenantId(), other.certificate(), "certificate bound in another tenant");
            }
        }
        audit.record(tenantId, caller, "certificate.upload", "certificate", stored.id().toString(), null);
        return stored;
    }

    /** The device's first identity certificate provisions it, unless a provisioning path has already said so. */
    private void provisioned(Caller caller, DeviceCertificate stored) {
        if (stored.slot().equals(IDENTITY_SLOT) && stored.slotVersion() == 1) {
            devices.recordProvisioned(caller.tenantId(), stored.deviceId(), caller.actor(),
                    "{\"method\":\"certificate\",\"certificate_id\":\"" + stored.id() + "\"}");
        }
    }

    private DeviceCertificate record(UUID tenantId, UUID deviceId, UUID caId, X509Certificate x, String slot,
            String origin, Instant now, PkiPolicy policy) {
        certs.lockSlot(tenantId, deviceId, slot); // the next version and the primary flag are read, then written
        int version = certs.nextSlotVersion(tenantId, deviceId, slot);
        Instant overlapUntil = now.plus(Duration.ofHours(policy.overlapHours()));
        for (DeviceCertificate demoted : certs.demotePrimary(tenantId, deviceId, slot, overlapUntil.toEpochMilli())) {
            if (!overlapUntil.isAfter(now)) {
                withdrawn(tenantId, demoted, CertificateWithdrawn.SUPERSEDED); // no overlap: it is out at once
            }
        }
        // A successor still waiting for the device's confirmation is replaced by this new primary.
        for (DeviceCertificate canceled : certs.cancelPendingSuccessors(tenantId, deviceId, slot, now.toEpochMilli())) {
            withdrawn(tenantId, canceled, CertificateWithdrawn.SUPERSEDED);
        }
        DeviceCertificate c = new DeviceCertificate(Ids.newId(clock), deviceId, caId,
                x.getIssuerX500Principal().getName(), CertificateRepository.hex(x.getSerialNumber()),
                Pem.fingerprint(x), x.getSubjectX500Principal().getName(), x.getNotBefore().toInstant(),
                x.getNotAfter().toInstant(), "ACTIVE", null, null, slot, version, true, null, origin, now,
                Pem.write(x), null, null, null, null, null);
        try {
            certs.insert(tenantId, c, Pem.sha256(x.getPublicKey().getEncoded()),
                    IdentityStatus.window(c.notAfter(), policy, now));
        } catch (DuplicateKeyException e) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "this certificate is already recorded");
        }
        if (slot.equals(IDENTITY_SLOT)) {
            devices.setIdentityStatus(tenantId, deviceId, IdentityStatus.of(c, policy, now));
        }
        return c;
    }

    /** Revokes with an RFC 5280 reason. Revocation is final; the CA's CRL is re-issued at once. */
    @Transactional
    public DeviceCertificate revoke(Caller caller, UUID certificateId, String reason) {
        UUID tenantId = caller.tenantId();
        String r = reason(reason, "unspecified");
        DeviceCertificate cur = get(tenantId, certificateId);
        if (cur.status().equals("REVOKED")) {
            return cur;
        }
        revokeOne(caller, cur, r);
        if (cur.caId() != null) {
            crls.regenerate(tenantId, cur.caId());
        }
        return get(tenantId, certificateId);
    }

    /** {@code reason}, or {@code fallback} when absent; 400 VALIDATION_FAILED unless it is one of {@link #REASONS}. */
    static String reason(String reason, String fallback) {
        String r = reason == null ? fallback : reason;
        if (!REASONS.containsKey(r)) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "unknown revocation reason",
                    List.of(new ApiException.FieldError("reason", "must be one of " + REASONS.keySet())));
        }
        return r;
    }

    /**
     * A decommissioned or purged device keeps no valid certificate: every certificate of it that is not revoked
     * yet is revoked ({@code cessationOfOperation}) in the same transaction, and each CA's CRL re-issued once.
     */
    @EventListener
    public void onDeviceRetiring(DeviceRetiring e) {
        Set<UUID> cas = new LinkedHashSet<>();
        for (DeviceCertificate c : certs.forDevice(e.tenantId(), e.deviceId())) {
            if (!c.status().equals("REVOKED")) {
                revokeOne(e.caller(), c, "cessationOfOperation");
                if (c.caId() != null) {
                    cas.add(c.caId());
                }
            }
        }
        cas.forEach(ca -> crls.regenerate(e.tenantId(), ca));
    }

    private void revokeOne(Caller caller, DeviceCertificate cur, String reason) {
        UUID tenantId = caller.tenantId();
        certs.revoke(tenantId, cur.id(), clock.millis(), reason);
        if (cur.primary() && cur.slot().equals(IDENTITY_SLOT) && cur.deviceId() != null) {
            devices.setIdentityStatus(tenantId, cur.deviceId(), IdentityStatus.REVOKED);
        }
        if (cur.deviceId() != null) {
            devices.recordEvent(tenantId, cur.deviceId(), "CERTIFICATE-REVOKED", caller.actor(),
                    "{\"certificate_id\":\"" + cur.id() + "\",\"slot\":\"" + cur.slot() + "\",\"reason\":\"" + reason
                            + "\"}");
        }
        audit.record(tenantId, caller, "certificate.revoke", "certificate", cur.id().toString(),
                "{\"reason\":\"" + reason + "\"}");
        withdrawn(tenantId, cur, CertificateWithdrawn.REVOKED);
    }

    /** Tells the authentication caches, after commit, that {@code c} authenticates nobody any more. */
    void withdrawn(UUID tenantId, DeviceCertificate c, String why) {
        CertificateWithdrawn event = new CertificateWithdrawn(tenantId, c.id(), c.deviceId(), c.fingerprint(), why);
        AfterCommit.run(() -> events.publishEvent(event));
    }

    public DeviceCertificate get(UUID tenantId, UUID id) {
        return certs.find(tenantId, id).orElseThrow(() -> ApiException.notFound("certificate"));
    }

    public List<DeviceCertificate> forDevice(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        return certs.forDevice(tenantId, deviceId);
    }

    /** The device's certificates, every slot and version, in the order they were issued or uploaded. */
    public Page<DeviceCertificate> forDevice(UUID tenantId, UUID deviceId, String cursor, int limit) {
        devices.get(tenantId, deviceId);
        return Page.afterId("certificate", cursor, limit,
                (after, fetch) -> certs.forDevice(tenantId, deviceId, after, fetch), DeviceCertificate::id);
    }

    /** The tenant's certificates, every device, slot and version, in the order they were issued or uploaded. */
    public Page<DeviceCertificate> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("certificate", cursor, limit, (after, fetch) -> certs.list(tenantId, after, fetch),
                DeviceCertificate::id);
    }

    /** Every tenant's record of the certificate with this SHA-256 fingerprint. */
    public List<TenantCertificate> recordsOf(String fingerprint) {
        return certs.allByFingerprint(fingerprint);
    }

    /**
     * Whether the certificate is a known operational certificate: recorded in any tenant, whatever its status
     * (active, superseded, revoked, expired) or its device's. Such a certificate is never a factory certificate.
     */
    public boolean isOperational(X509Certificate cert) {
        return certs.isRecorded(Pem.fingerprint(cert));
    }

    Device requireIssuable(UUID tenantId, UUID deviceId) {
        Device d = devices.get(tenantId, deviceId);
        if (d.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device gets no certificates");
        }
        return d;
    }

    static String slotOf(String slot) {
        if (slot == null || slot.isBlank()) {
            return IDENTITY_SLOT;
        }
        if (!SLOT.matcher(slot).matches()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "invalid slot name",
                    List.of(new ApiException.FieldError("slot", "must be 1-32 of a-z 0-9 _ -, starting with a "
                            + "letter or digit")));
        }
        return slot;
    }
}
