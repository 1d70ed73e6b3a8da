package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.CertificateService.Signed;
import io.fleetkeeper.pki.internal.ProfilePolicy;
import io.fleetkeeper.pki.internal.CertificateRepository;
import io.fleetkeeper.pki.internal.PolicyRepository;
import io.fleetkeeper.pki.internal.RotationRepository;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import jakarta.annotation.Nullable;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Registry-driven rotation of a slot's certificate: a successor with the same public key is issued next to the
 * primary ({@link #start}, by the lifecycle worker when the tenant's policy rotates automatically, or by a job),
 * delivered to the device (MQTT, device listener), and made primary when the device confirms it: its first
 * authentication with the successor, or an explicit acknowledgement ({@link #confirm}). The old primary stays valid
 * for the policy's overlap. {@link RotationDelivery} hands successors to the device, {@link SlotService#rollback}
 * makes a slot's previous version primary again while it is inside its overlap.
 */
@Service
public class RotationService {

    public static final String PENDING = RotationRepository.PENDING;
    public static final String CONFIRMED = "CONFIRMED";
    public static final String REJECTED = "REJECTED";
    public static final String CANCELED = "CANCELED";
    public static final String ROLLED_BACK = "ROLLED_BACK";
    /** How a confirmation came: the device authenticated with the successor, or acknowledged it. */
    public static final String BY_CONNECTION = "connection";
    public static final String BY_ACKNOWLEDGEMENT = "acknowledgement";
    /** The algorithm of keys the server generates for a successor (as for EST serverkeygen). */
    static final KeyAlgorithm SERVER_KEY_ALGORITHM = KeyAlgorithm.EC_P256;

    /**
     * The slot's successor, and whether this call started the rotation (false: one was under way already). The
     * successor is null for a rotation with a server-generated key that is not delivered yet: it is issued then.
     */
    public record Started(@Nullable DeviceCertificate successor, boolean issued) {
    }


    private final CertificateService certificates;
    private final CertificateRepository certs;
    private final RotationRepository rotations;
    private final PolicyRepository policies;
    private final CaService cas;
    private final DeviceService devices;
    private final AuditService audit;
    private final ApplicationEventPublisher events;
    private final JsonMapper mapper;
    private final Clock clock;

    RotationService(CertificateService certificates, CertificateRepository certs, RotationRepository rotations,
            PolicyRepository policies, CaService cas, DeviceService devices, AuditService audit,
            ApplicationEventPublisher events, JsonMapper mapper, Clock clock) {
        this.mapper = mapper;
        this.certificates = certificates;
        this.certs = certs;
        this.rotations = rotations;
        this.policies = policies;
        this.cas = cas;
        this.devices = devices;
        this.audit = audit;
        this.events = events;
        this.clock = clock;
    }

    /**
     * Issues a successor for the slot's primary certificate, with the same public key and a new validity, not
     * primary yet. Idempotent: a successor already waiting is returned as it is. 409 when the slot has no active
     * primary or the device is decommissioned.
     */
    @Transactional
    public Started start(Caller caller, UUID deviceId, String slot) {
        UUID tenantId = caller.tenantId();
        String s = CertificateService.slotOf(slot);
        Device device = certificates.requireIssuable(tenantId, deviceId);
        certs.lockSlot(tenantId, deviceId, s);
        Optional<DeviceCertificate> waiting = rotations.pending(tenantId, deviceId, s);
        if (waiting.isPresent()) {
            return new Started(waiting.get(), false);
        }
        DeviceCertificate primary = certs.primary(tenantId, deviceId, s)
                .filter(c -> c.status().equals("ACTIVE"))
                .orElseThrow(() -> new ApiException(ErrorCode.CONFLICT,
                        "slot " + s + " has no active primary certificate to rotate"));
        PkiPolicy policy = policies.get(tenantId);
        Instant now = Times.now(clock);
        if (PkiPolicy.SERVER_KEY.equals(policy.rotationKey())) {
            boolean requested = rotations.request(tenantId, primary.id(), now.toEpochMilli());
            if (requested) {
                started(caller, tenantId, deviceId, s, primary, null);
            }
            return new Started(null, requested);
        }
        X509Certificate current = Pem.certificates(primary.pem(), "pem").get(0);
        DeviceCertificate successor = issueSuccessor(tenantId, device, primary, current.getPublicKey(), policy, now);
        started(caller, tenantId, deviceId, s, primary, successor);
        return new Started(successor, true);
    }

    /** Records a new successor (not primary, pending confirmation) of {@code primary} for {@code key}. */
    DeviceCertificate issueSuccessor(UUID tenantId, Device device, DeviceCertificate primary,
            PublicKey key, PkiPolicy policy, Instant now) {
        String s = primary.slot();
        // The successor keeps the primary's profile (key usages, names): a gateway's TLS server stays one.
        ProfilePolicy.Checked kind = ProfilePolicy.of(Pem.certificates(primary.pem(), "pem").get(0));
        Signed signed = certificates.signLeaf(tenantId, device, key, null, policy, now, kind);
        X509Certificate x = signed.leaf();
        DeviceCertificate successor = new DeviceCertificate(Ids.newId(clock), device.id(), signed.caId(),
                x.getIssuerX500Principal().getName(), CertificateRepository.hex(x.getSerialNumber()),
                Pem.fingerprint(x), x.getSubjectX500Principal().getName(), x.getNotBefore().toInstant(),
                x.getNotAfter().toInstant(), "ACTIVE", null, null, s, certs.nextSlotVersion(tenantId, device.id(), s),
                false, null, "ROTATED", now, Pem.write(x), PENDING, null, null, null, null);
        certs.insert(tenantId, successor, Pem.sha256(x.getPublicKey().getEncoded()),
                IdentityStatus.window(successor.notAfter(), policy, now));
        rotations.setSuccessor(tenantId, primary.id(), successor.id());
        return successor;
    }

    /** ROTATION-STARTED, audit, and the event the delivery channels act on. */
    private void started(Caller caller, UUID tenantId, UUID deviceId, String slot, DeviceCertificate primary,
            @Nullable DeviceCertificate successor) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (successor != null) {
            details.put("certificate_id", successor.id().toString());
        }
        details.put("slot", slot);
        details.put("replaces", primary.id().toString());
        details.put("key", successor == null ? "server" : "same");
        if (successor != null) {
            details.put("not_after", successor.notAfter().toString());
        }
        String json = json(details);
        devices.recordEvent(tenantId, deviceId, "ROTATION-STARTED", caller.actor(), json);
        audit.record(tenantId, caller, "certificate.rotate", "certificate",
                (successor == null ? primary : successor).id().toString(), json);
        RotationStarted started = new RotationStarted(tenantId, deviceId, slot, successor == null ? null
                : successor.id());
        AfterCommit.run(() -> events.publishEvent(started));
    }


    /**
     * The device confirmed the successor (by {@code how}: {@link #BY_CONNECTION} or {@link #BY_ACKNOWLEDGEMENT}): it
     * becomes the slot's primary, the old primary stays valid for the policy's overlap. Confirming a successor that
     * is primary already answers it as it is; one that is not pending (rejected, canceled) is 409.
     */
    @Transactional
    public DeviceCertificate confirm(UUID tenantId, UUID deviceId, UUID certificateId, String how) {
        certs.lockSlot(tenantId, deviceId, ownCertificate(tenantId, deviceId, certificateId).slot());
        DeviceCertificate successor = ownCertificate(tenantId, deviceId, certificateId); // as of the lock
        if (CONFIRMED.equals(successor.rotationState()) && successor.primary()) {
            return successor;
        }
        if (!PENDING.equals(successor.rotationState()) || !successor.status().equals("ACTIVE")) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "this certificate is not waiting for confirmation");
        }
        PkiPolicy policy = policies.get(tenantId);
        Instant now = Times.now(clock);
        Instant overlapUntil = now.plus(Duration.ofHours(policy.overlapHours()));
        List<String> fingerprints = new ArrayList<>(List.of(successor.fingerprint()));
        List<DeviceCertificate> demoted = certs.demotePrimary(tenantId, deviceId, successor.slot(),
                overlapUntil.toEpochMilli());
        for (DeviceCertificate old : demoted) {
            if (!overlapUntil.isAfter(now)) {
                certificates.withdrawn(tenantId, old, CertificateWithdrawn.SUPERSEDED);
            }
            fingerprints.add(old.fingerprint());
        }
        if (!rotations.promote(tenantId, certificateId, now.toEpochMilli(),
                IdentityStatus.window(successor.notAfter(), policy, now))) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "this certificate is not waiting for confirmation");
        }
        DeviceCertificate confirmed = certificates.get(tenantId, certificateId);
        if (confirmed.slot().equals(CertificateService.IDENTITY_SLOT)) {
            devices.setIdentityStatus(tenantId, deviceId, IdentityStatus.of(confirmed, policy, now));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("certificate_id", certificateId.toString());
        details.put("slot", successor.slot());
        demoted.stream().findFirst().ifPresent(o -> details.put("replaces", o.id().toString()));
        details.put("confirmed_by", how);
        details.put("overlap_until", overlapUntil.toString());
        String json = json(details);
        devices.recordEvent(tenantId, deviceId, DeviceEvent.RENEWED, "device:" + deviceId, json);
        audit.record(tenantId, deviceCaller(tenantId, deviceId), "certificate.rotation_confirm", "certificate",
                certificateId.toString(), json);
        CertificateRotated rotated = new CertificateRotated(tenantId, deviceId, successor.slot(), fingerprints);
        AfterCommit.run(() -> events.publishEvent(rotated));
        return confirmed;
    }

    /** The device refused the successor: it is out at once (REJECTED); the primary stays as it is. */
    @Transactional
    public DeviceCertificate reject(UUID tenantId, UUID deviceId, UUID certificateId, String reason) {
        DeviceCertificate successor = ownCertificate(tenantId, deviceId, certificateId);
        if (!rotations.endPending(tenantId, certificateId, REJECTED, clock.millis())) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "this certificate is not waiting for confirmation");
        }
        certificates.withdrawn(tenantId, successor, CertificateWithdrawn.SUPERSEDED);
        rotations.clearRequest(tenantId, deviceId, successor.slot());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("certificate_id", certificateId.toString());
        details.put("slot", successor.slot());
        details.put("reason", reason == null ? "" : reason.substring(0, Math.min(reason.length(), 256)));
        String json = json(details);
        devices.recordEvent(tenantId, deviceId, "ROTATION-REJECTED", "device:" + deviceId, json);
        audit.record(tenantId, deviceCaller(tenantId, deviceId), "certificate.rotation_reject", "certificate",
                certificateId.toString(), json);
        return certificates.get(tenantId, certificateId);
    }

    private DeviceCertificate ownCertificate(UUID tenantId, UUID deviceId, UUID certificateId) {
        DeviceCertificate c = certs.find(tenantId, certificateId).orElse(null);
        if (c == null || !deviceId.equals(c.deviceId())) {
            throw ApiException.notFound("certificate");
        }
        return c;
    }

    private static Caller deviceCaller(UUID tenantId, UUID deviceId) {
        return new Caller(tenantId, "device:" + deviceId, Role.OPERATOR);
    }

    private String json(Map<String, Object> fields) {
        return mapper.writeValueAsString(fields);
    }
}
