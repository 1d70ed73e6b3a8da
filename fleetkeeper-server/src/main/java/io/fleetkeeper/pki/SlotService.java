package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.pki.internal.RotationRepository;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.IdentitySlot.Rotation;
import io.fleetkeeper.pki.internal.CertificateRepository;
import io.fleetkeeper.pki.internal.PolicyRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * A device's certificate slots in full (status, primary, windows, rotation and every version), and a slot's rollback
 * to its previous version while that is inside its overlap.
 */
@Service
public class SlotService {

    private final CertificateService certificates;
    private final CertificateRepository certs;
    private final RotationRepository rotations;
    private final PolicyRepository policies;
    private final DeviceService devices;
    private final AuditService audit;
    private final ApplicationEventPublisher events;
    private final JsonMapper mapper;
    private final Clock clock;

    SlotService(CertificateService certificates, CertificateRepository certs, RotationRepository rotations,
            PolicyRepository policies, DeviceService devices, AuditService audit, ApplicationEventPublisher events,
            JsonMapper mapper, Clock clock) {
        this.certificates = certificates;
        this.certs = certs;
        this.rotations = rotations;
        this.policies = policies;
        this.devices = devices;
        this.audit = audit;
        this.events = events;
        this.mapper = mapper;
        this.clock = clock;
    }

    /** Every slot of the device (identity first when it has one), each with its versions newest first. */
    public List<IdentitySlot> slots(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        Map<String, List<DeviceCertificate>> bySlot = new LinkedHashMap<>();
        for (DeviceCertificate c : certs.forDevice(tenantId, deviceId)) {
            bySlot.computeIfAbsent(c.slot(), k -> new ArrayList<>()).add(c);
        }
        PkiPolicy policy = policies.get(tenantId);
        Instant now = clock.instant();
        List<IdentitySlot> slots = new ArrayList<>();
        List<DeviceCertificate> identity = bySlot.remove(CertificateService.IDENTITY_SLOT);
        if (identity != null) {
            slots.add(view(CertificateService.IDENTITY_SLOT, identity, policy, now));
        }
        bySlot.forEach((slot, versions) -> slots.add(view(slot, versions, policy, now)));
        return slots;
    }

    /** One slot; 404 when the device has no certificate in it. */
    public IdentitySlot slot(UUID tenantId, UUID deviceId, String slot) {
        return slots(tenantId, deviceId).stream().filter(s -> s.slot().equals(slot)).findFirst()
                .orElseThrow(() -> ApiException.notFound("slot"));
    }

    private static IdentitySlot view(String slot, List<DeviceCertificate> versions, PkiPolicy policy, Instant now) {
        DeviceCertificate primary = versions.stream().filter(DeviceCertificate::primary).findFirst().orElse(null);
        DeviceCertificate latest = versions.stream().filter(c -> c.rotationState() != null).findFirst().orElse(null);
        UUID pending = latest != null && RotationService.PENDING.equals(latest.rotationState())
                && latest.status().equals("ACTIVE") ? latest.id() : null;
        Rotation rotation = latest == null ? null : new Rotation(latest.rotationState(), latest.id(),
                latest.slotVersion(), latest.createdAt(), latest.deliveredAt(), latest.confirmedAt());
        if (primary != null && primary.rotationRequestedAt() != null && pending == null) {
            rotation = new Rotation("REQUESTED", null, null, primary.rotationRequestedAt(), null, null);
        }
        return new IdentitySlot(slot, IdentityStatus.of(primary, policy, now),
                primary == null ? null : primary.slotVersion(), primary == null ? null : primary.id(),
                primary == null ? null : primary.notAfter(),
                primary == null ? null : IdentityStatus.window(primary.notAfter(), policy, now), pending, rotation,
                versions);
    }

    /**
     * Makes the slot's previous version primary again while it is inside its overlap; the current primary is out at
     * once (ROLLED_BACK), and a successor waiting for confirmation is canceled. {@code expectedVersion}, when given,
     * is the slot's active version the caller saw (412 otherwise). 409 ROLLBACK_NOT_POSSIBLE when the previous
     * version's overlap has ended (or there is none).
     */
    @Transactional
    public DeviceCertificate rollback(Caller caller, UUID deviceId, String slot, Integer expectedVersion) {
        UUID tenantId = caller.tenantId();
        String s = CertificateService.slotOf(slot);
        devices.get(tenantId, deviceId);
        certs.lockSlot(tenantId, deviceId, s);
        Instant now = Times.now(clock);
        List<DeviceCertificate> versions = certs.forDevice(tenantId, deviceId).stream()
                .filter(c -> c.slot().equals(s)).toList();
        if (versions.isEmpty()) {
            throw ApiException.notFound("slot");
        }
        DeviceCertificate current = versions.stream().filter(DeviceCertificate::primary).findFirst()
                .orElseThrow(() -> new ApiException(ErrorCode.ROLLBACK_NOT_POSSIBLE, "slot " + s + " has no primary"));
        if (expectedVersion != null && expectedVersion != current.slotVersion()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "the slot's active version is " + current.slotVersion());
        }
        DeviceCertificate previous = versions.stream()
                .filter(c -> c.slotVersion() < current.slotVersion() && !c.primary())
                .filter(c -> c.status().equals("ACTIVE") && c.supersededAt() != null && c.usableAt(now))
                .findFirst() // versions are in descending order
                .orElseThrow(() -> new ApiException(ErrorCode.ROLLBACK_NOT_POSSIBLE, "the previous version of slot "
                        + s + " is no longer inside its overlap (or was revoked), so it cannot be made primary again"));
        PkiPolicy policy = policies.get(tenantId);
        rotations.rollBack(tenantId, current.id(), now.toEpochMilli());
        if (!rotations.restore(tenantId, previous.id(), now.toEpochMilli(),
                IdentityStatus.window(previous.notAfter(), policy, now))) {
            throw new ApiException(ErrorCode.ROLLBACK_NOT_POSSIBLE, "the previous version changed meanwhile");
        }
        certificates.withdrawn(tenantId, current, CertificateWithdrawn.SUPERSEDED);
        rotations.pending(tenantId, deviceId, s).ifPresent(p -> {
            rotations.endPending(tenantId, p.id(), RotationService.CANCELED, now.toEpochMilli());
            certificates.withdrawn(tenantId, p, CertificateWithdrawn.SUPERSEDED);
        });
        DeviceCertificate restored = certificates.get(tenantId, previous.id());
        if (s.equals(CertificateService.IDENTITY_SLOT)) {
            devices.setIdentityStatus(tenantId, deviceId, IdentityStatus.of(restored, policy, now));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("slot", s);
        details.put("certificate_id", restored.id().toString());
        details.put("rolled_back", current.id().toString());
        details.put("active_version", restored.slotVersion());
        String json = mapper.writeValueAsString(details);
        devices.recordEvent(tenantId, deviceId, "ROTATION-ROLLED-BACK", caller.actor(), json);
        audit.record(tenantId, caller, "certificate.rollback", "certificate", restored.id().toString(), json);
        CertificateRotated rotated = new CertificateRotated(tenantId, deviceId, s,
                List.of(restored.fingerprint(), current.fingerprint()));
        AfterCommit.run(() -> events.publishEvent(rotated));
        return restored;
    }

}
