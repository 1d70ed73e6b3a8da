package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceRetiring;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.pki.IdentityStatus;
import io.fleetkeeper.provisioning.internal.Attempts;
import io.fleetkeeper.provisioning.internal.EnrollmentCodeRepository;
import io.fleetkeeper.provisioning.internal.KeyRepository.Found;
import io.fleetkeeper.provisioning.internal.ProvenanceRepository;
import io.fleetkeeper.provisioning.internal.TenantGate;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.Secrets;
import io.fleetkeeper.web.Violations;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Enrollment of a pre-registered device: a device registered by the management API (or an import) has no
 * identity; an operator gives it a one-time enrollment code, and the device presents the code as the HTTP
 * Basic password of EST {@code simpleenroll}. Its certificate lands in that device's identity slot. A code
 * that is unknown, used, expired or replaced gets the same 401; only its SHA-256 is stored, found by that
 * hash and compared in constant time.
 */
@Service
public class EnrollmentService {

    public static final String PREFIX = "fke_";
    /** How long a code is valid when the operator names no expiry, and the longest it may be. */
    static final Duration DEFAULT_VALIDITY = Duration.ofDays(7);
    static final Duration MAX_VALIDITY = Duration.ofDays(30);

    /** The device and its new identity certificate with the chain to install. */
    public record Enrolled(UUID tenantId, Device device, Issued certificate) {
    }

    private final EnrollmentCodeRepository codes;
    private final ProvenanceRepository provenance;
    private final DeviceService devices;
    private final CertificateService certificates;
    private final AuditService audit;
    private final Attempts attempts;
    private final TenantGate tenantGate;
    private final TransactionTemplate tx;
    private final Clock clock;

    EnrollmentService(EnrollmentCodeRepository codes, ProvenanceRepository provenance, DeviceService devices,
            CertificateService certificates, AuditService audit, Attempts attempts, TenantGate tenantGate,
            PlatformTransactionManager txm, Clock clock) {
        this.codes = codes;
        this.provenance = provenance;
        this.devices = devices;
        this.certificates = certificates;
        this.audit = audit;
        this.attempts = attempts;
        this.tenantGate = tenantGate;
        this.tx = new TransactionTemplate(txm);
        this.clock = clock;
    }

    /**
     * Gives the device a new enrollment code valid until {@code expiresAt} (null: 7 days; at most 30 days),
     * replacing the one it had. 409 when the device has an identity already or is decommissioned.
     */
    @Transactional
    public EnrollmentCode.Issued issue(Caller caller, UUID deviceId, Instant expiresAt) {
        UUID tenantId = caller.tenantId();
        Device d = devices.get(tenantId, deviceId);
        Instant now = Times.now(clock);
        Instant expiry = expiresAt == null ? now.plus(DEFAULT_VALIDITY) : expiresAt;
        Violations v = new Violations();
        if (!expiry.isAfter(now) || expiry.isAfter(now.plus(MAX_VALIDITY))) {
            v.add("expires_at", "must be in the future and at most " + MAX_VALIDITY.toDays() + " days ahead");
        }
        v.throwIfAny();
        requireEnrollable(d);
        String secret = Secrets.generate(PREFIX);
        EnrollmentCode c = new EnrollmentCode(Ids.newId(clock), deviceId, secret.substring(0, PREFIX.length() + 6),
                expiry, null, caller.actor(), now);
        codes.put(tenantId, c, Secrets.sha256(secret));
        audit.record(tenantId, caller, "enrollment_code.issue", "device", deviceId.toString(),
                "{\"code_id\":\"" + c.id() + "\",\"expires_at\":\"" + expiry + "\"}");
        return new EnrollmentCode.Issued(c, secret);
    }

    /**
     * Enrolls the device whose code {@code secret} is: signs the CSR into its identity slot from the CA that
     * {@code ca} picks in the device's tenant, and uses the code up; or changes nothing.
     */
    public Enrolled enroll(String secret, PKCS10CertificationRequest csr, String remoteAddr, CaChoice ca) {
        String credential = secret == null ? "none" : Secrets.sha256(secret);
        attempts.check(remoteAddr, credential);
        Found<EnrollmentCode> found = secret == null || !secret.startsWith(PREFIX) ? null
                : codes.byHash(credential).orElse(null);
        if (found == null || !Secrets.sameDigest(found.hash(), credential) || found.value().usedAt() != null
                || !found.value().expiresAt().isAfter(Times.now(clock))) {
            rejected(found == null ? null : found.tenantId(), found == null ? "unknown" : found.value().id().toString(),
                    remoteAddr, credential, "unknown, used or expired enrollment code");
            throw invalid();
        }
        UUID tenantId = found.tenantId();
        EnrollmentCode code = found.value();
        Caller actor = new Caller(tenantId, "enrollment-code:" + code.id(), Role.OPERATOR);
        try {
            tenantGate.requireActive(tenantId);
            UUID caId = ca.caFor(tenantId);
            PublicKey key = certificates.verifyCsr(csr);
            return tx.execute(s -> {
                // Using the code is the first write: a concurrent enrollment with it waits here, then fails,
                // before it signs anything. Only enrollments with this device's code contend for this row.
                if (!codes.use(tenantId, code.deviceId(), code.id(), clock.millis())) {
                    throw invalid();
                }
                requireEnrollable(devices.get(tenantId, code.deviceId()));
                // Before the certificate, which would otherwise record a PROVISIONED event without the method.
                devices.recordProvisioned(tenantId, code.deviceId(), actor.actor(),
                        "{\"method\":\"enrollment_code\",\"code_id\":\"" + code.id() + "\"}");
                Issued cert = certificates.issueForKey(actor, code.deviceId(), key, null, caId);
                provenance.provenance(tenantId, new Provenance(code.deviceId(), "enrollment_code",
                        code.id().toString(), remoteAddr, Times.now(clock)));
                audit.record(tenantId, actor, "device.enroll", "device", code.deviceId().toString(),
                        "{\"code_id\":\"" + code.id() + "\",\"remote_addr\":\"" + remoteAddr + "\"}");
                return new Enrolled(tenantId, devices.get(tenantId, code.deviceId()), cert);
            });
        } catch (ApiException e) {
            rejected(tenantId, code.id().toString(), remoteAddr, credential, e.getMessage());
            throw e;
        }
    }

    /** A decommissioned or purged device keeps no enrollment code. */
    @EventListener
    public void onDeviceRetiring(DeviceRetiring e) {
        codes.delete(e.tenantId(), e.deviceId());
    }

    private static void requireEnrollable(Device d) {
        if (d.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device cannot enroll");
        }
        if (!IdentityStatus.NO_IDENTITY.equals(d.identityStatus())) {
            throw new ApiException(ErrorCode.CONFLICT, "the device has an identity already; renew or re-enroll "
                    + "with its certificate instead");
        }
    }

    private void rejected(UUID tenantId, String codeId, String remoteAddr, String credential, String why) {
        attempts.rejected(tenantId, "enrollment-code:" + codeId, "device.enroll.rejected", "enrollment_code", codeId,
                remoteAddr, credential, why);
    }

    static ApiException invalid() {
        return new ApiException(ErrorCode.UNAUTHENTICATED, "enrollment code is not valid");
    }
}
