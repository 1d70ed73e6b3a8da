package io.fleetkeeper.credentials.internal;

import io.fleetkeeper.cluster.internal.RedisClusterBus;
import io.fleetkeeper.testing.RedisServer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.fleetkeeper.device.DeviceStatus;
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
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What one node's revocations and cache changes do on another node, over the real Redis. */
class RevocationRelayTests {

    /** One node: its bus, its relay and the caches the relay acts on. */
    record Node(RedisClusterBus bus, RevocationRelay relay, DeviceCredentialService access, TrustIndex trust,
            TokenService tokens) {

        static Node on(String channel) {
            var bus = new RedisClusterBus(RedisServer.URL, channel);
            var access = mock(DeviceCredentialService.class);
            var trust = mock(TrustIndex.class);
            var tokens = mock(TokenService.class);
            return new Node(bus, new RevocationRelay(bus, access, trust, tokens), access, trust, tokens);
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
        verify(a.access()).forgetDevice(tenant, device);
        verify(b.access(), timeout(WAIT_MS)).forgetDevice(tenant, device);
    }

    @Test
    void anActivatedDeviceKicksNobody() throws Exception {
        a.relay().on(new DeviceStatusChanged(tenant, device, DeviceStatus.ACTIVE));
        awaitEverythingBefore();
        verify(b.access(), never()).forgetDevice(tenant, device);
    }

    @Test
    void aWithdrawnCertificateIsForgottenEverywhereButACertificateWithoutDeviceKicksNoTenant() throws Exception {
        a.relay().on(new CertificateWithdrawn(tenant, UUID.randomUUID(), device, "ab", CertificateWithdrawn.REVOKED));
        verify(b.access(), timeout(WAIT_MS)).forgetCertificate("ab");
        verify(a.access(), timeout(WAIT_MS)).forgetCertificate("ab");
        a.relay().on(new CertificateWithdrawn(tenant, UUID.randomUUID(), null, "cd", CertificateWithdrawn.SUPERSEDED));
        awaitEverythingBefore();
        verify(b.access(), never()).forgetDevice(tenant, null);
        verify(b.access(), never()).forgetCertificate("cd");
    }

    @Test
    void aRotatedSlotsCertificatesAreForgottenOnEveryNodeWithoutClosingSessions() throws Exception {
        a.relay().on(new CertificateRotated(tenant, device, "identity", List.of("old-fp", "new-fp")));
        verify(a.access()).forgetCertificate("old-fp");
        verify(a.access()).forgetCertificate("new-fp");
        verify(b.access(), timeout(WAIT_MS)).forgetCertificate("old-fp");
        verify(b.access(), timeout(WAIT_MS)).forgetCertificate("new-fp");
        awaitEverythingBefore();
        verify(b.access(), never()).forgetDevice(tenant, device);
        verify(a.access(), times(1)).forgetCertificate("old-fp"); // this node dropped them itself, once
    }

    @Test
    void aSuspendedTenantIsForgottenEverywhereAndTokenCachesDropped() {
        a.relay().on(new TenantStatusChanged(tenant, TenantStatus.SUSPENDED));
        verify(b.access(), timeout(WAIT_MS)).forgetDevice(tenant, null);
        verify(b.tokens(), timeout(WAIT_MS)).invalidateAll();
        verify(a.tokens(), never()).invalidateAll();
    }

    @Test
    void aReplacedKeyIsDroppedFromOtherNodesKeyCaches() {
        a.relay().on(new DeviceKeyChanged(tenant, device));
        verify(b.access(), timeout(WAIT_MS)).forgetKeysOf(device);
        verify(b.access(), timeout(WAIT_MS)).forgetDevice(tenant, device);
        verify(a.access()).forgetKeysOf(device); // this node dropped them itself, once
        verify(a.access(), timeout(WAIT_MS)).forgetDevice(tenant, device);
    }

    @Test
    void aRevokedTokenAndANewCaReachTheOtherNodesAtOnce() {
        UUID token = UUID.randomUUID();
        a.relay().on(new TokenRevoked(tenant, token));
        a.relay().on(new CaChanged(tenant, UUID.randomUUID()));
        verify(b.tokens(), timeout(WAIT_MS)).forget(token);
        verify(b.trust(), timeout(WAIT_MS)).invalidate();
        verify(b.access(), timeout(WAIT_MS)).forgetCertificates();
        verify(a.trust(), never()).invalidate();
        verify(a.access()).forgetCertificates();
    }

    /**
     * Node B handles bus messages in order on one thread: once a marker kick sent after the event under test
     * has reached B, anything that event sent has too. Proves an absence without sleeping.
     */
    private void awaitEverythingBefore() {
        UUID marker = UUID.randomUUID();
        a.relay().on(new DeviceStatusChanged(tenant, marker, DeviceStatus.SUSPENDED));
        verify(b.access(), timeout(WAIT_MS)).forgetDevice(tenant, marker);
    }
}
