package io.fleetkeeper.pki;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.internal.CertificateRepository;
import io.fleetkeeper.pki.internal.PolicyRepository;
import io.fleetkeeper.pki.internal.RotationRepository;
import io.fleetkeeper.store.Times;
import jakarta.annotation.Nullable;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What a rotation hands to the device ({@link RotationService} starts and confirms it): the waiting successor with
 * its chain, or, for a rotation with a server-generated key, a successor issued at delivery for a key generated then.
 * The delivery channels (MQTT, the device listener) call it.
 */
@Service
public class RotationDelivery {

    /** A successor as the device receives it: the certificate and the chain to install (leaf first). */
    public record Successor(DeviceCertificate certificate, List<X509Certificate> chain) {
    }


    /**
     * What the device receives: the successor, the chain to install (leaf first) and, for a rotation with a
     * server-generated key, its private key, which exists only here ({@link #toString} leaves it out).
     */
    public record Delivery(DeviceCertificate certificate, List<X509Certificate> chain, @Nullable PrivateKey privateKey) {

        @Override
        public String toString() {
            return "Delivery[certificate=" + certificate.id() + "]";
        }
    }

    private final RotationService rotation;
    private final CertificateService certificates;
    private final CertificateRepository certs;
    private final RotationRepository rotations;
    private final PolicyRepository policies;
    private final CaService cas;
    private final DeviceService devices;
    private final Clock clock;

    RotationDelivery(RotationService rotation, CertificateService certificates, CertificateRepository certs,
            RotationRepository rotations, PolicyRepository policies, CaService cas, DeviceService devices, Clock clock) {
        this.rotation = rotation;
        this.certificates = certificates;
        this.certs = certs;
        this.rotations = rotations;
        this.policies = policies;
        this.cas = cas;
        this.devices = devices;
        this.clock = clock;
    }

    /**
     * Hands the slot's successor to the device over {@code channel} (mqtt or https) and records the first delivery
     * (ROTATION-DELIVERED). For a rotation with a server-generated key, each delivery generates a new key and issues
     * a new successor for it (the one delivered before, whose key only that device has, is canceled): the key is in
     * the answer only. Empty when the slot has nothing for the device.
     */
    @Transactional
    public Optional<Delivery> deliver(UUID tenantId, UUID deviceId, String slot, String channel) {
        String s = CertificateService.slotOf(slot);
        certs.lockSlot(tenantId, deviceId, s);
        DeviceCertificate primary = certs.primary(tenantId, deviceId, s).orElse(null);
        if (primary != null && primary.rotationRequestedAt() != null && primary.status().equals("ACTIVE")) {
            Device device = certificates.requireIssuable(tenantId, deviceId);
            Instant now = Times.now(clock);
            rotations.pending(tenantId, deviceId, s).ifPresent(earlier -> {
                rotations.endPending(tenantId, earlier.id(), RotationService.CANCELED, now.toEpochMilli());
                certificates.withdrawn(tenantId, earlier, CertificateWithdrawn.SUPERSEDED);
            });
            KeyPair pair = RotationService.SERVER_KEY_ALGORITHM.generate();
            DeviceCertificate successor = rotation.issueSuccessor(tenantId, device, primary, pair.getPublic(),
                    policies.get(tenantId), now);
            delivered(tenantId, deviceId, successor, channel);
            Successor withChain = withChain(tenantId, certificates.get(tenantId, successor.id()));
            return Optional.of(new Delivery(withChain.certificate(), withChain.chain(), pair.getPrivate()));
        }
        Optional<Successor> pending = pending(tenantId, deviceId, s);
        pending.ifPresent(p -> delivered(tenantId, deviceId, p.certificate(), channel));
        return pending.map(p -> new Delivery(p.certificate(), p.chain(), null));
    }

    /**
     * A slot with something to deliver, and a token that changes only when a new delivery is due: a channel that
     * delivered a token to a connection need not deliver it there again (a server-generated key would be replaced).
     */
    public record Deliverable(String slot, String token) {
    }

    /** The slots of the device with something to deliver: a successor waiting, or a server-key rotation requested. */
    public List<Deliverable> deliverable(UUID tenantId, UUID deviceId) {
        Map<String, Deliverable> bySlot = new LinkedHashMap<>();
        for (DeviceCertificate c : certs.forDevice(tenantId, deviceId)) {
            if (!c.status().equals("ACTIVE")) {
                continue;
            }
            if (c.primary() && c.rotationRequestedAt() != null) {
                bySlot.put(c.slot(), new Deliverable(c.slot(), "key:" + c.id() + ":" + c.rotationRequestedAt()));
            } else if (RotationService.PENDING.equals(c.rotationState())) {
                bySlot.putIfAbsent(c.slot(), new Deliverable(c.slot(), "certificate:" + c.id()));
            }
        }
        return List.copyOf(bySlot.values());
    }

    /** The slot's successor waiting for the device's confirmation, with its chain. */
    public Optional<Successor> pending(UUID tenantId, UUID deviceId, String slot) {
        return rotations.pending(tenantId, deviceId, CertificateService.slotOf(slot))
                .map(c -> withChain(tenantId, c));
    }

    /** Every successor of the device waiting for its confirmation (one per slot at most). */
    public List<Successor> pending(UUID tenantId, UUID deviceId) {
        return rotations.pendingOf(tenantId, deviceId).stream().map(c -> withChain(tenantId, c)).toList();
    }

    private Successor withChain(UUID tenantId, DeviceCertificate c) {
        List<X509Certificate> chain = new ArrayList<>(Pem.certificates(c.pem(), "pem"));
        if (c.caId() != null) {
            chain.addAll(cas.chain(tenantId, c.caId()));
        }
        return new Successor(c, chain);
    }

    /** Records the successor's first delivery to the device ({@code channel}: mqtt or https), once. */
    private void delivered(UUID tenantId, UUID deviceId, DeviceCertificate successor, String channel) {
        if (rotations.markDelivered(tenantId, successor.id(), clock.millis())) {
            devices.recordEvent(tenantId, deviceId, "ROTATION-DELIVERED", "device:" + deviceId,
                    "{\"certificate_id\":\"" + successor.id() + "\",\"slot\":\"" + successor.slot()
                            + "\",\"channel\":\"" + channel + "\"}");
        }
    }
}
