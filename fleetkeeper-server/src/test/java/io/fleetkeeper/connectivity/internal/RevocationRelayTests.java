package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.cluster.internal.RedisClusterBus;
import io.fleetkeeper.testing.RedisServer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.device.DeviceStatusChanged;
import io.fleetkeeper.pki.CaChanged;
import io.fleetkeeper.pki.CertificateWithdrawn;
import io.fleetkeeper.pki.TrustIndex;
import io.fleetkeeper.provisioning.DeviceKeyChanged;
import io.fleetkeeper.provisioning.DeviceKeyService;
import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import io.fleetkeeper.tenancy.TenantStatusChanged;
import io.fleetkeeper.tenancy.TokenRevoked;
import io.fleetkeeper.tenancy.TokenService;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What one node's revocations and cache changes do on another node, over the real Redis. */
class RevocationRelayTests {

    /** One node: its bus, its relay and the caches the relay acts on. */
    record Node(RedisClusterBus bus, RevocationRelay relay, MqttAccess access, TrustIndex trust,
            TokenService tokens, DeviceKeyService keys) {

        static Node on(String channel) {
            var bus = new RedisClusterBus("redis://127.0.0.1:6379", channel);
            var access = mock(MqttAccess.class);
            var trust = mock(TrustIndex.class);
            var tokens = mock(TokenService.class);
            var keys = mock(DeviceKeyService.class);
            return new Node(bus, new RevocationRelay(bus, access, trust, tokens, keys), access, trust, tokens, keys);
        }
    }

    private static final int WAIT_MS = 1000;
    private final UUID tenant = UUID.randomUUID();
    private final UUID device = UUID.randomUUID();
    private Node a;
    private Node b;

    @BeforeAll
    static void redisIsThere() {
        RedisServer.assumeRunning();
    }

    @BeforeEach
    void twoNodes() {
        String channel = RedisServer.channel();
        a = Node.on(channel);
        b = Node.on(channel);
    }

    @AfterEach
    void close() {
        a.bus().close();
        b.bus().close();
    }

    @Test
    void aSuspendedDeviceIsForgottenOnEveryNode() {
        a.relay().on(new DeviceStatusChanged(tenant, device, DeviceStatus.SUSPENDED));
        verify(a.access()).forget(tenant, device);
        verify(b.access(), timeout(WAIT_MS)).forget(tenant, device);
    }

    @Test
    void anActivatedDeviceKicksNobody() throws Exception {
        a.relay().on(new DeviceStatusChanged(tenant, device, DeviceStatus.ACTIVE));
        awaitEverythingBefore();
        verify(b.access(), never()).forget(tenant, device);
    }

    @Test
    void aWithdrawnCertificateIsForgottenEverywhereButACertificateWithoutDeviceKicksNoTenant() throws Exception {
        a.relay().on(new CertificateWithdrawn(tenant, UUID.randomUUID(), device, "ab", CertificateWithdrawn.REVOKED));
        verify(b.access(), timeout(WAIT_MS)).forgetCertificate("ab");
        verify(a.access(), timeout(WAIT_MS)).forgetCertificate("ab");
        a.relay().on(new CertificateWithdrawn(tenant, UUID.randomUUID(), null, "cd", CertificateWithdrawn.SUPERSEDED));
        awaitEverythingBefore();
        verify(b.access(), never()).forget(tenant, null);
        verify(b.access(), never()).forgetCertificate("cd");
    }

    @Test
    void aSuspendedTenantIsForgottenEverywhereAndTokenCachesDropped() {
        a.relay().on(new TenantStatusChanged(tenant, TenantStatus.SUSPENDED));
        verify(b.access(), timeout(WAIT_MS)).forget(tenant, null);
        verify(b.tokens(), timeout(WAIT_MS)).invalidateAll();
        verify(a.tokens(), never()).invalidateAll();
    }

    @Test
    void aReplacedKeyIsDroppedFromOtherNodesKeyCaches() {
        a.relay().on(new DeviceKeyChanged(tenant, device));
        verify(b.keys(), timeout(WAIT_MS)).forget(device);
        verify(b.access(), timeout(WAIT_MS)).forget(tenant, device);
        verify(a.keys(), never()).forget(device);
    }

    @Test
    void aRevokedTokenAndANewCaReachTheOtherNodesAtOnce() {
        UUID token = UUID.randomUUID();
        a.relay().on(new TokenRevoked(tenant, token));
        a.relay().on(new CaChanged(tenant, UUID.randomUUID()));
        verify(b.tokens(), timeout(WAIT_MS)).forget(token);
        verify(b.trust(), timeout(WAIT_MS)).invalidate();
        verify(a.trust(), never()).invalidate();
    }

    /**
     * Node B handles bus messages in order on one thread: once a marker kick sent after the event under test
     * has reached B, anything that event sent has too. Proves an absence without sleeping.
     */
    private void awaitEverythingBefore() {
        UUID marker = UUID.randomUUID();
        a.relay().on(new DeviceStatusChanged(tenant, marker, DeviceStatus.SUSPENDED));
        verify(b.access(), timeout(WAIT_MS)).forget(tenant, marker);
    }
}
