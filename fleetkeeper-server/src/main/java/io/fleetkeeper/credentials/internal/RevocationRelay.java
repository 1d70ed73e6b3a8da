package io.fleetkeeper.credentials.internal;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.ClusterMessage;
import io.fleetkeeper.cluster.ClusterMessage.Invalidate;
import io.fleetkeeper.cluster.ClusterMessage.Kick;
import io.fleetkeeper.device.DeviceStatusChanged;
import io.fleetkeeper.pki.CaChanged;
import io.fleetkeeper.pki.CertificateRotated;
import io.fleetkeeper.pki.CertificateWithdrawn;
import io.fleetkeeper.pki.TrustIndex;
import io.fleetkeeper.credentials.DeviceKeyChanged;
import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import io.fleetkeeper.tenancy.TenantStatusChanged;
import io.fleetkeeper.tenancy.TokenRevoked;
import io.fleetkeeper.tenancy.TokenService;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Keeps every node's credential caches true. Suspension, decommissioning, purge and key rotation become a
 * {@link Kick}: every node, this one included, drops the device's cached credentials, and the MQTT session
 * registry closes its live sessions. A certificate that stops authenticating (revoked, superseded, expired,
 * bound in a second tenant) becomes a Kick naming it: every node drops that certificate and only the sessions
 * authenticated with it close. Changes to other in-memory caches (CAs, API tokens, device keys) become an
 * {@link Invalidate}, acted on by the other nodes (this one already did). The events arrive after commit.
 */
@Component
class RevocationRelay {

    private static final Logger log = LoggerFactory.getLogger(RevocationRelay.class);

    private final ClusterBus bus;
    private final DeviceCredentialService credentials;
    private final TrustIndex trust;
    private final TokenService tokens;

    RevocationRelay(ClusterBus bus, DeviceCredentialService credentials, TrustIndex trust, TokenService tokens) {
        this.bus = bus;
        this.credentials = credentials;
        this.trust = trust;
        this.tokens = tokens;
        bus.subscribe(this::onMessage);
    }

    @EventListener
    void on(DeviceStatusChanged e) {
        if (e.refusesConnections()) {
            kick(e.tenantId(), e.deviceId(), e.status() == null ? "purged" : "device " + e.status().wire());
        }
    }

    @EventListener
    void on(CertificateWithdrawn e) {
        // A certificate bound to no device authenticates nobody over MQTT; a null device would kick the tenant.
        if (e.deviceId() != null) {
            bus.publish(new Kick(bus.nodeId(), e.tenantId(), e.deviceId(), true, null, e.reason(), e.fingerprint()));
        }
    }

    /** A slot's primary changed (rotation confirmed, rollback): the certificates' validity windows changed. */
    @EventListener
    void on(CertificateRotated e) {
        for (String fingerprint : e.fingerprints()) {
            credentials.forgetCertificate(fingerprint);
            bus.publish(new Invalidate(bus.nodeId(), Invalidate.CERTIFICATE, fingerprint));
        }
    }

    @EventListener
    void on(TenantStatusChanged e) {
        if (e.status() == TenantStatus.SUSPENDED) {
            kick(e.tenantId(), null, "tenant suspended");
        }
        // Cached tokens carry the tenant's status, both ways.
        bus.publish(new Invalidate(bus.nodeId(), Invalidate.API_TOKENS, null));
    }

    @EventListener
    void on(DeviceKeyChanged e) {
        credentials.forgetKeysOf(e.deviceId());
        bus.publish(new Invalidate(bus.nodeId(), Invalidate.DEVICE_KEYS, e.deviceId().toString()));
        kick(e.tenantId(), e.deviceId(), "device key replaced");
    }

    @EventListener
    void on(TokenRevoked e) {
        bus.publish(new Invalidate(bus.nodeId(), Invalidate.API_TOKENS, e.tokenId().toString()));
    }

    @EventListener
    void on(CaChanged e) {
        credentials.forgetCertificates();
        bus.publish(new Invalidate(bus.nodeId(), Invalidate.TRUST_INDEX, null));
    }

    private void kick(UUID tenantId, UUID deviceId, String reason) {
        bus.publish(new Kick(bus.nodeId(), tenantId, deviceId, true, null, reason));
    }

    /** Every node, for every message on the bus (on a bus thread: quick, no SQL). */
    void onMessage(ClusterMessage message) {
        switch (message) {
            case Kick k when k.fingerprint() != null -> credentials.forgetCertificate(k.fingerprint());
            case Kick k -> credentials.forgetDevice(k.tenantId(), k.deviceId());
            case Invalidate i when !bus.nodeId().equals(i.origin()) -> invalidate(i);
            default -> {
            }
        }
    }

    private void invalidate(Invalidate i) {
        try {
            switch (i.cache()) {
                case Invalidate.TRUST_INDEX -> {
                    trust.invalidate();
                    credentials.forgetCertificates();
                }
                case Invalidate.API_TOKENS -> {
                    if (i.key() == null) {
                        tokens.invalidateAll();
                    } else {
                        tokens.forget(UUID.fromString(i.key()));
                    }
                }
                case Invalidate.DEVICE_KEYS -> credentials.forgetKeysOf(UUID.fromString(i.key()));
                case Invalidate.CERTIFICATE -> credentials.forgetCertificate(i.key());
                case Invalidate.ALL -> {
                    trust.invalidate();
                    credentials.forgetAll();
                    tokens.invalidateAll();
                }
                default -> log.debug("cluster bus: unknown cache {}", i.cache());
            }
        } catch (IllegalArgumentException | NullPointerException bad) {
            log.warn("cluster bus: skipping an invalidation of {} with a malformed key", i.cache());
        }
    }
}
