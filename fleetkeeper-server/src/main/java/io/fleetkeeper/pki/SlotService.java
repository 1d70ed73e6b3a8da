package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
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

/** A device's certificate slots in full: status, primary, windows, rotation and every version. */
@Service
public class SlotService {

    private final CertificateRepository certs;
    private final PolicyRepository policies;
    private final DeviceService devices;
    private final Clock clock;

    SlotService(CertificateRepository certs, PolicyRepository policies, DeviceService devices, Clock clock) {
        this.certs = certs;
        this.policies = policies;
        this.devices = devices;
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
}
