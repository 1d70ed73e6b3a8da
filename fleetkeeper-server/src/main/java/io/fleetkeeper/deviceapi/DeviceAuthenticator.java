package io.fleetkeeper.deviceapi;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.TrustIndex;
import io.fleetkeeper.pki.TenantCertificate;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.web.ApiException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Decides whether a TLS client certificate chain authenticates a device: the chain validates against
 * one of the tenant CAs (which names the tenant), the leaf is a recorded certificate of that tenant,
 * ACTIVE, inside its validity and not past a rotation overlap, and its device exists and is neither
 * suspended nor decommissioned, in a tenant that is not suspended. Protocol-neutral: the HTTPS device
 * listener uses it, and so can an MQTT listener.
 */
@Component
public class DeviceAuthenticator {

    /** Why a chain does not authenticate a device. */
    public enum Reason {
        NO_CERTIFICATE, UNTRUSTED, UNKNOWN_CERTIFICATE, REVOKED, SUPERSEDED, NOT_VALID_NOW, UNKNOWN_DEVICE,
        DEVICE_SUSPENDED, DEVICE_DECOMMISSIONED, TENANT_SUSPENDED,
        /** The certificate is bound to devices of more than one tenant: it authenticates in none of them. */
        AMBIGUOUS
    }

    /** The decision: {@link Authenticated} or {@link Rejected}. */
    public sealed interface Outcome permits Authenticated, Rejected {
    }

    public record Authenticated(DeviceIdentity identity) implements Outcome {
    }

    public record Rejected(Reason reason, String detail) implements Outcome {
    }

    private final TrustIndex trust;
    private final CertificateService certificates;
    private final DeviceService devices;
    private final TenantService tenants;
    private final CredentialConflicts conflicts;
    private final Clock clock;

    DeviceAuthenticator(TrustIndex trust, CertificateService certificates, DeviceService devices,
            TenantService tenants, CredentialConflicts conflicts, Clock clock) {
        this.trust = trust;
        this.certificates = certificates;
        this.devices = devices;
        this.tenants = tenants;
        this.conflicts = conflicts;
        this.clock = clock;
    }

    /** Decides on a presented chain, leaf first (as TLS delivers it); null or empty when none was sent. */
    public Outcome authenticate(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return new Rejected(Reason.NO_CERTIFICATE, "no client certificate was presented");
        }
        // The recorded certificate names the tenant; its chain must then validate against that tenant's CAs.
        // (Looking up the CA first could pick another tenant that registered the same CA.)
        String fingerprint = Pem.fingerprint(chain[0]);
        List<TenantCertificate> bound = certificates.recordsOf(fingerprint).stream()
                .filter(r -> r.certificate().deviceId() != null).toList();
        if (bound.stream().map(TenantCertificate::tenantId).distinct().count() > 1) {
            // Whoever bound it first is no answer: an attacker can bind first. Nobody gets it, everybody is told.
            conflicts.report(fingerprint, bound);
            return new Rejected(Reason.AMBIGUOUS, "the client certificate is bound to devices of more than one "
                    + "tenant and authenticates in none of them");
        }
        UUID tenantId = null;
        DeviceCertificate cert = null;
        boolean recordedAnywhere = !bound.isEmpty();
        for (var r : bound) {
            var verified = trust.verify(chain, r.tenantId());
            if (verified.isPresent() && !("TRUST_ANCHOR".equals(verified.get().issuerKind())
                    && trust.issuedByAnotherTenantsCa(chain[0], r.tenantId()))) {
                tenantId = r.tenantId();
                cert = r.certificate();
                break;
            }
        }
        if (cert == null) {
            return recordedAnywhere || trust.verify(chain).isPresent()
                    ? new Rejected(recordedAnywhere ? Reason.UNTRUSTED : Reason.UNKNOWN_CERTIFICATE,
                            recordedAnywhere ? "the client certificate does not validate against its tenant's CAs "
                                    + "now" : "the client certificate is not bound to a device")
                    : new Rejected(Reason.UNTRUSTED, "the client certificate is not issued by a known CA, or is "
                            + "outside its validity");
        }
        Instant now = clock.instant();
        if (cert.status().equals("REVOKED")) {
            return new Rejected(Reason.REVOKED, "the client certificate is revoked");
        }
        if (!cert.status().equals("ACTIVE") || (cert.supersededAt() != null && !now.isBefore(cert.supersededAt()))) {
            return new Rejected(Reason.SUPERSEDED, "the client certificate was replaced and its overlap has ended");
        }
        if (now.isBefore(cert.notBefore()) || !now.isBefore(cert.notAfter())) {
            return new Rejected(Reason.NOT_VALID_NOW, "the client certificate is not valid now");
        }
        if (tenants.get(tenantId).status() == TenantStatus.SUSPENDED) {
            return new Rejected(Reason.TENANT_SUSPENDED, "the device's tenant is suspended");
        }
        Device device;
        try {
            device = devices.get(tenantId, cert.deviceId());
        } catch (ApiException notFound) {
            return new Rejected(Reason.UNKNOWN_DEVICE, "the certificate's device no longer exists");
        }
        if (device.status() == DeviceStatus.SUSPENDED) {
            return new Rejected(Reason.DEVICE_SUSPENDED, "the device is suspended");
        }
        if (device.status() == DeviceStatus.DECOMMISSIONED) {
            return new Rejected(Reason.DEVICE_DECOMMISSIONED, "the device is decommissioned");
        }
        if (device.status() == DeviceStatus.PROVISIONING) {
            // Zero-touch: the first authenticated contact with the operational certificate activates it.
            devices.activateOnFirstContact(tenantId, device.id(), "device:" + device.id());
        }
        return new Authenticated(new DeviceIdentity(tenantId, device.id(), cert));
    }
}
