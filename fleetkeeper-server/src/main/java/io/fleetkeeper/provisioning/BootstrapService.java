package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.TrustIndex;
import io.fleetkeeper.provisioning.Manifest.Entry;
import io.fleetkeeper.provisioning.internal.Attempts;
import io.fleetkeeper.provisioning.internal.TenantGate;
import io.fleetkeeper.provisioning.internal.ProvenanceRepository;
import io.fleetkeeper.provisioning.internal.ManifestRepository;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import jakarta.annotation.Nullable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Zero-touch bootstrap (seed 004): a device presents its factory certificate over mutual TLS, its serial
 * and a CSR. The chain must validate against a factory trust anchor; the certificate must name the serial
 * (its {@code serialNumber} attribute, else its CN); the serial must be in a manifest of exactly one of the
 * tenants trusting that anchor (several may trust one manufacturer), which is the device's tenant. The
 * device is created in {@code provisioning} with its operational certificate, in one transaction, and
 * becomes {@code active} on its first call with that certificate.
 *
 * <p>An operational certificate is never a factory certificate: one recorded in any tenant (whatever its
 * status or its device's), or one issued by a CA that Fleetkeeper manages, is refused before any trust
 * anchor is consulted, so a device its own tenant refuses (suspended, revoked, superseded, expired) cannot
 * fall through into another tenant that lists its device id as a serial.
 */
@Service
public class BootstrapService {

    /** The subjectAltName URI of a Fleetkeeper-issued device certificate starts so. */
    private static final String DEVICE_URN = "urn:fleetkeeper:device:";

    /** How provenance, events and the audit log name the device-side bootstrap. */
    private static final String METHOD = "bootstrap";

    /** What a second bootstrap of the same serial does. */
    public enum Rebootstrap { REJECT, REPROVISION }

    /** The device and its operational certificate with chain. */
    public record Bootstrapped(UUID tenantId, Device device, Issued certificate, boolean reprovisioned) {
    }

    /**
     * What {@link #provision} may set on a new device besides what the manifest says: its name (default: the
     * serial), its type (default: the manifest's) and metadata merged over the manifest's (these keys win).
     */
    public record Overrides(@Nullable String name, @Nullable String deviceType, @Nullable Map<String, ?> metadata) {
        static final Overrides NONE = new Overrides(null, null, null);
    }

    private final TrustIndex trust;
    private final ManifestRepository manifests;
    private final ProvenanceRepository credentials;
    private final DeviceService devices;
    private final CertificateService certificates;
    private final AuditService audit;
    private final Attempts attempts;
    private final TenantGate tenantGate;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;

    BootstrapService(TrustIndex trust, ManifestRepository manifests, ProvenanceRepository credentials,
            DeviceService devices, CertificateService certificates, AuditService audit, Attempts attempts,
            TenantGate tenantGate,
            JdbcClient jdbc, PlatformTransactionManager txm, Clock clock) {
        this.trust = trust;
        this.manifests = manifests;
        this.credentials = credentials;
        this.devices = devices;
        this.certificates = certificates;
        this.audit = audit;
        this.attempts = attempts;
        this.tenantGate = tenantGate;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(txm);
        this.clock = clock;
    }

    public Bootstrapped bootstrap(X509Certificate[] chain, String serial, PKCS10CertificationRequest csr,
            String remoteAddr) {
        return bootstrap(chain, serial, csr, remoteAddr, CaChoice.DEFAULT);
    }

    /** As {@link #bootstrap(X509Certificate[], String, PKCS10CertificationRequest, String)}, from the CA that
     * {@code ca} picks in the device's tenant (404 and nothing changes when it names none there). */
    public Bootstrapped bootstrap(X509Certificate[] chain, String serial, PKCS10CertificationRequest csr,
            String remoteAddr, CaChoice ca) {
        String credential = chain == null || chain.length == 0 ? "none"
                : io.fleetkeeper.pki.Pem.fingerprint(chain[0]);
        attempts.check(remoteAddr, credential);
        if (chain == null || chain.length == 0) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "bootstrap needs the factory certificate as the TLS "
                    + "client certificate");
        }
        if (certificates.isOperational(chain[0]) || trust.issuedByManagedCa(chain)) {
            fail((UUID) null, remoteAddr, credential, "an operational certificate was presented as a factory "
                    + "certificate");
            throw new ApiException(ErrorCode.FORBIDDEN, "this is an operational device certificate, not a factory "
                    + "certificate; it cannot bootstrap a device");
        }
        // Several tenants may trust the same factory CA: the device belongs to the one whose manifest lists it.
        List<UUID> vouching = trust.verifyAll(chain, "TRUST_ANCHOR").stream().map(TrustIndex.Verified::tenantId)
                .distinct().toList();
        if (vouching.isEmpty()) {
            fail((UUID) null, remoteAddr, credential, "factory certificate does not chain to a registered factory "
                    + "CA, or is not valid now");
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "factory certificate is not trusted");
        }
        if (serial == null || !serial.equals(serialOf(chain[0]))) {
            fail(vouching, remoteAddr, credential, "serial does not match the factory certificate");
            throw new ApiException(ErrorCode.FORBIDDEN, "the serial does not match the factory certificate "
                    + "(its serialNumber attribute, or its CN when it has none)");
        }
        Map<UUID, Entry> listed = new LinkedHashMap<>();
        vouching.forEach(t -> manifests.entry(t, serial).ifPresent(e -> listed.put(t, e)));
        List<UUID> claiming = List.copyOf(listed.keySet());
        if (claiming.isEmpty()) {
            fail(vouching, remoteAddr, credential, "serial " + serial + " is in no manifest");
            throw new ApiException(ErrorCode.FORBIDDEN, "this serial is in no manifest of the tenant");
        }
        if (claiming.size() > 1) {
            fail(claiming, remoteAddr, credential, "serial " + serial + " is in manifests of several tenants "
                    + "trusting this factory CA");
            throw new ApiException(ErrorCode.CONFLICT, "this serial is listed by more than one tenant trusting "
                    + "this factory CA; it must be removed from all manifests but one");
        }
        UUID tenantId = claiming.get(0);
        Entry entry = listed.get(tenantId);
        Caller actor = new Caller(tenantId, "factory-certificate:" + credential.substring(0, 16), Role.OPERATOR);
        try {
            tenantGate.requireActive(tenantId);
            // A purged device frees its serial: the entry still names it, but it is gone.
            boolean bound = entry.deviceId() != null && devices.exists(tenantId, entry.deviceId());
            UUID caId = ca.caFor(tenantId);
            PublicKey key = certificates.verifyCsr(csr);
            return tx.execute(s -> bound ? again(tenantId, actor, entry, key, caId, remoteAddr, METHOD)
                    : first(tenantId, actor, entry, key, caId, remoteAddr, Overrides.NONE, METHOD));
        } catch (ApiException e) {
            fail(tenantId, remoteAddr, credential, e.getMessage());
            throw e;
        }
    }

    /**
     * {@code POST /api/v1/devices/provision}: an operator (a factory station) provisions a device on its behalf
     * with the device's factory certificate {@code chain} (leaf first), its serial and the operational
     * {@code key}. The rules are those of {@link #bootstrap}, for the caller's tenant only: no operational
     * certificate; the chain validates now against one of the tenant's factory trust anchors; the serial is the
     * one the certificate names and is in a manifest of the tenant; a second provisioning follows the tenant's
     * re-bootstrap policy (409, or RE-PROVISIONED with the old identity certificates revoked). The caller is not
     * the device, so possession of the factory key is not proven here: the operator's credential vouches for
     * it. Failures are audited and rate-limited as the device-side ones.
     */
    public Bootstrapped provision(Caller caller, X509Certificate[] chain, String serial, PublicKey key,
            Overrides overrides, String remoteAddr) {
        UUID tenantId = caller.tenantId();
        String credential = io.fleetkeeper.pki.Pem.fingerprint(chain[0]);
        attempts.check(remoteAddr, credential);
        if (certificates.isOperational(chain[0]) || trust.issuedByManagedCa(chain)) {
            fail(tenantId, remoteAddr, credential, "an operational certificate was presented as a factory "
                    + "certificate");
            throw invalid("factory_certificate", "is an operational device certificate, not a factory certificate");
        }
        if (trust.verifyAll(chain, "TRUST_ANCHOR").stream().noneMatch(v -> v.tenantId().equals(tenantId))) {
            fail(tenantId, remoteAddr, credential, "factory certificate does not chain to a factory CA of the "
                    + "tenant, or is not valid now");
            throw invalid("factory_certificate", "does not chain to a factory trust anchor of the tenant, or is "
                    + "not valid now");
        }
        if (serial == null || !serial.equals(serialOf(chain[0]))) {
            fail(tenantId, remoteAddr, credential, "serial does not match the factory certificate");
            throw invalid("serial", "does not match the factory certificate (its serialNumber attribute, or its CN "
                    + "when it has none)");
        }
        Entry entry = manifests.entry(tenantId, serial).orElse(null);
        try {
            if (entry == null) {
                throw new ApiException(ErrorCode.FORBIDDEN, "this serial is in no manifest of the tenant");
            }
            boolean bound = entry.deviceId() != null && devices.exists(tenantId, entry.deviceId());
            UUID caId = CaChoice.DEFAULT.caFor(tenantId);
            return tx.execute(s -> bound ? again(tenantId, caller, entry, key, caId, remoteAddr, "provision")
                    : first(tenantId, caller, entry, key, caId, remoteAddr, overrides, "provision"));
        } catch (ApiException e) {
            fail(tenantId, remoteAddr, credential, e.getMessage());
            throw e;
        }
    }

    private static ApiException invalid(String field, String why) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + " " + why,
                List.of(new ApiException.FieldError(field, why)));
    }

    private Bootstrapped first(UUID tenantId, Caller actor, Entry entry, PublicKey key, UUID caId,
            String remoteAddr, Overrides o, String method) {
        Map<String, Object> metadata = new LinkedHashMap<>(entry.metadata());
        if (o.metadata() != null) {
            metadata.putAll(o.metadata());
        }
        Device d = devices.create(actor, new NewDevice(o.name() != null ? o.name() : entry.serial(),
                o.deviceType() != null ? o.deviceType() : entry.deviceType(), entry.serial(), List.of(), metadata,
                null, null, null).withTemplate(entry.templateId()), DeviceStatus.PROVISIONING);
        // Before the certificate, which would otherwise record a PROVISIONED event without the method. The device is
        // new in this transaction, so it has none yet: no look-up first.
        devices.recordEvent(tenantId, d.id(), DeviceEvent.PROVISIONED, actor.actor(),
                "{\"method\":\"" + method + "\",\"manifest_id\":\"" + entry.manifestId() + "\"}");
        Issued cert = certificates.issueForKey(actor, d.id(), key, null, caId);
        manifests.bind(tenantId, entry.serial(), d.id());
        credentials.provenance(tenantId, new Provenance(d.id(), method, entry.manifestId().toString(),
                remoteAddr, Times.now(clock)));
        audit.record(tenantId, actor, "device." + method, "device", d.id().toString(),
                "{\"serial\":\"" + entry.serial() + "\",\"remote_addr\":\"" + remoteAddr + "\"}");
        return new Bootstrapped(tenantId, devices.get(tenantId, d.id()), cert, false);
    }

    private Bootstrapped again(UUID tenantId, Caller actor, Entry entry, PublicKey key, UUID caId,
            String remoteAddr, String method) {
        if (policy(tenantId) == Rebootstrap.REJECT) {
            throw new ApiException(ErrorCode.CONFLICT, "this serial was bootstrapped already; the tenant's policy "
                    + "rejects a second bootstrap");
        }
        UUID deviceId = entry.deviceId();
        for (DeviceCertificate c : certificates.forDevice(tenantId, deviceId)) {
            if (c.slot().equals(CertificateService.IDENTITY_SLOT) && !c.status().equals("REVOKED")) {
                certificates.revoke(actor, c.id(), "superseded");
            }
        }
        Issued cert = certificates.issueForKey(actor, deviceId, key, null, caId);
        credentials.provenance(tenantId, new Provenance(deviceId, method, entry.manifestId().toString(),
                remoteAddr, Times.now(clock)));
        devices.recordEvent(tenantId, deviceId, "RE-PROVISIONED", actor.actor(),
                "{\"method\":\"" + method + "\",\"manifest_id\":\"" + entry.manifestId() + "\"}");
        audit.record(tenantId, actor, method.equals(METHOD) ? "device.rebootstrap" : "device.reprovision", "device",
                deviceId.toString(),
                "{\"serial\":\"" + entry.serial() + "\",\"remote_addr\":\"" + remoteAddr + "\"}");
        return new Bootstrapped(tenantId, devices.get(tenantId, deviceId), cert, true);
    }

    public Rebootstrap policy(UUID tenantId) {
        return jdbc.sql("SELECT rebootstrap FROM provisioning_settings WHERE tenant_id = ?").param(tenantId.toString())
                .query(String.class).optional().map(Rebootstrap::valueOf).orElse(Rebootstrap.REJECT);
    }

    public Rebootstrap setPolicy(Caller caller, String value) {
        UUID tenantId = caller.tenantId();
        Rebootstrap r;
        try {
            r = Rebootstrap.valueOf(value == null ? "" : value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "rebootstrap must be reject or reprovision",
                    List.of(new ApiException.FieldError("rebootstrap", "must be reject or reprovision")));
        }
        tx.executeWithoutResult(s -> {
            jdbc.sql("""
                    INSERT INTO provisioning_settings (tenant_id, rebootstrap, version) VALUES (?, ?, 1)
                    ON CONFLICT (tenant_id) DO UPDATE SET rebootstrap = excluded.rebootstrap,
                      version = provisioning_settings.version + 1""").params(tenantId.toString(), r.name()).update();
            audit.record(tenantId, caller, "provisioning_settings.update", "provisioning_settings",
                    tenantId.toString(), "{\"rebootstrap\":\"" + r.name().toLowerCase() + "\"}");
        });
        return r;
    }

    /**
     * The serial a factory certificate names: its subject's serialNumber attribute; when it has none, its CN
     * (many manufacturers put the serial there), except in a certificate that names a Fleetkeeper device in
     * its subjectAltName, whose CN is a device id and never a manufacturer's serial. Null when there is none.
     */
    public static String serialOf(X509Certificate cert) {
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        String s = first(name, BCStyle.SERIALNUMBER);
        return s != null ? s : namesFleetkeeperDevice(cert) ? null : first(name, BCStyle.CN);
    }

    private static boolean namesFleetkeeperDevice(X509Certificate cert) {
        try {
            var sans = cert.getSubjectAlternativeNames();
            return sans != null && sans.stream().anyMatch(san -> san.get(1) instanceof String v
                    && v.startsWith(DEVICE_URN));
        } catch (java.security.cert.CertificateParsingException e) {
            return true;
        }
    }

    private static String first(X500Name name, ASN1ObjectIdentifier oid) {
        RDN[] rdns = name.getRDNs(oid);
        return rdns.length == 0 ? null : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    private void fail(UUID tenantId, String remoteAddr, String credential, String why) {
        attempts.rejected(tenantId, "factory-certificate", "device.bootstrap.rejected", "device", null, remoteAddr,
                credential, why);
    }

    /** A rejection that concerns every tenant trusting the factory CA: each counts it and sees it audited. */
    private void fail(List<UUID> tenantIds, String remoteAddr, String credential, String why) {
        tenantIds.forEach(tenantId -> fail(tenantId, remoteAddr, credential, why));
    }
}
