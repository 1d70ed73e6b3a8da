package io.fleetkeeper.connectivity;

import io.fleetkeeper.cluster.ClusterBus;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.connectivity.internal.ConnectionRepository;
import io.fleetkeeper.connectivity.internal.ConnectionRepository.Close;
import io.fleetkeeper.connectivity.internal.ConnectionRepository.Upsert;
import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.connectivity.internal.NodeLiveness;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.device.NewDeviceEvent;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * The connection-state store contract: the same behaviour on SQLite and PostgreSQL. The store contract
 * tests implement it; each test works in a tenant of its own and gets its beans from the test's context.
 */
public interface ConnectionStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, DeviceService devices, ConnectionRepository connections,
            ConnectionStateRecorder recorder, NodeLiveness liveness, FleetQueries fleet, String node) {

        static Fixture of(ApplicationContext ctx) {
            UUID tenant = ctx.getBean(TenantService.class).create(new Caller(null, "test-platform", Role.PLATFORM),
                    "cc-" + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
            return new Fixture(tenant, new Caller(tenant, "test-admin", Role.ADMIN), ctx.getBean(DeviceService.class),
                    ctx.getBean(ConnectionRepository.class), ctx.getBean(ConnectionStateRecorder.class),
                    ctx.getBean(NodeLiveness.class), ctx.getBean(FleetQueries.class),
                    ctx.getBean(ClusterBus.class).nodeId());
        }

        UUID device(String name) {
            return devices.create(admin, new NewDevice(name, "meter", null, List.of(), Map.of(), null, null,
                    null)).id();
        }

        ConnectionInfo info(UUID device, String connectionId, String nodeId, Instant since) {
            return new ConnectionInfo(connectionId, tenant, device, nodeId, since, "198.51.100.4:40000", "MQTT 3.1.1",
                    device.toString(), 30, "certificate", false);
        }

        DeviceConnection state(UUID device) {
            return connections.find(tenant, device).orElseThrow();
        }

        List<String> events(UUID device) {
            return devices.events(tenant, device, null, 50).items().stream().map(DeviceEvent::type).toList();
        }

        List<UUID> connected(boolean connected) {
            return devices.list(tenant, new DeviceFilter(null, null, null, null, null, null, null, null, null, "name",
                    null, null, connected), null, 50).items().stream().map(Device::id).toList();
        }

        List<UUID> query(String query) {
            return devices.list(tenant, DeviceFilter.matching(fleet.compile(tenant, query), "name"), null, 50).items()
                    .stream().map(Device::id).toList();
        }
    }

    static Instant at(int seconds) {
        return Instant.parse("2025-06-01T12:00:00Z").plusSeconds(seconds).truncatedTo(ChronoUnit.MILLIS);
    }

    @Test
    default void aConnectionRowIsNeverOverwrittenByAnOlderConnection(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID d = f.device("a");
        f.connections().upsert(List.of(new Upsert(f.info(d, "new", "n1", at(10)), true, null, null)), 1);
        f.connections().upsert(List.of(new Upsert(f.info(d, "old", "n2", at(0)), false, at(5).toEpochMilli(),
                "taken over")), 2);
        assertThat(f.state(d).connected()).isTrue();
        assertThat(f.state(d).since()).isEqualTo(at(10));
        assertThat(f.state(d).nodeId()).isEqualTo("n1");

        int[] closed = f.connections().closeIfCurrent(List.of(new Close(f.tenant(), d, "old", at(0).toEpochMilli(),
                at(11).toEpochMilli(), "taken over")), 3);
        assertThat(closed).containsExactly(0);
        assertThat(f.state(d).connected()).isTrue();
        f.connections().noteOlderCloses(List.of(new Close(f.tenant(), d, "old", at(0).toEpochMilli(),
                at(11).toEpochMilli(), "taken over")), 3);
        assertThat(f.state(d).connected()).as("a taken-over connection's close is only noted").isTrue();
        assertThat(f.state(d).lastDisconnectedAt()).isEqualTo(at(11));
        assertThat(f.state(d).disconnectReason()).isEqualTo("taken over");

        closed = f.connections().closeIfCurrent(List.of(new Close(f.tenant(), d, "new", at(10).toEpochMilli(),
                at(20).toEpochMilli(), "client disconnect")), 4);
        assertThat(closed).containsExactly(1);
        DeviceConnection s = f.state(d);
        assertThat(s.connected()).isFalse();
        assertThat(s.lastDisconnectedAt()).isEqualTo(at(20));
        assertThat(s.disconnectReason()).isEqualTo("client disconnect");
        assertThat(s.keepAlive()).isEqualTo(30);
        assertThat(s.protocol()).isEqualTo("MQTT 3.1.1");

        f.connections().upsert(List.of(new Upsert(f.info(d, "third", "n1", at(30)), true, null, null)), 5);
        assertThat(f.state(d).connected()).isTrue();
        assertThat(f.state(d).lastDisconnectedAt()).as("kept from the last disconnect").isEqualTo(at(20));
        assertThat(f.state(d).disconnectReason()).isEqualTo("client disconnect");
    }

    @Test
    default void connectedFilterQueryAndCountAgreeOnEveryStore(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID on = f.device("a-on");
        UUID off = f.device("b-off");
        UUID never = f.device("c-never");
        f.recorder().connected(f.info(on, "1", f.node(), at(0)));
        f.recorder().connected(f.info(off, "2", f.node(), at(0)));
        f.recorder().disconnected(f.info(off, "2", f.node(), at(0)), "client disconnect", at(1));
        f.recorder().flush();

        assertThat(f.connected(true)).containsExactly(on);
        assertThat(f.connected(false)).containsExactly(off, never);
        assertThat(f.query("connected = true")).containsExactly(on);
        assertThat(f.query("connected = false")).containsExactly(off, never);
        assertThat(f.query("connected != true AND name = \"b-off\"")).containsExactly(off);
        assertThat(f.query("connected IN (true) OR name = \"c-never\"")).containsExactly(on, never);
        assertThat(f.fleet().count(f.tenant(), f.fleet().compile(f.tenant(), "connected = true"))).isEqualTo(1);
        assertThat(f.devices().stats(f.tenant()).connected()).isEqualTo(1);
        assertThat(f.events(off)).containsExactly("DISCONNECTED", "CONNECTED", "CREATED");
    }

    @Test
    default void lastSeenMovesOnlyForwardAndEventsOfPurgedDevicesAreDropped(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID d = f.device("a");
        UUID gone = f.device("gone");
        f.devices().touchLastSeen(f.tenant(), Map.of(d, at(10).toEpochMilli(), UUID.randomUUID(), 1L));
        f.devices().touchLastSeen(f.tenant(), Map.of(d, at(5).toEpochMilli()));
        assertThat(f.devices().get(f.tenant(), d).lastSeenAt()).isEqualTo(at(10));
        assertThat(f.devices().get(f.tenant(), d).version()).isEqualTo(1);

        f.devices().purge(f.admin(), gone, null);
        f.devices().recordEvents(f.tenant(), List.of(new NewDeviceEvent(d, "CONNECTED", "device:" + d,
                "{\"x\":1}", at(11)), new NewDeviceEvent(gone, "CONNECTED", "device:" + gone, null, at(11)),
                new NewDeviceEvent(d, "DISCONNECTED", "device:" + d, null, at(12))));
        assertThat(f.events(d)).containsExactly("DISCONNECTED", "CONNECTED", "CREATED");
    }

    @Test
    default void connectionsOfASilentNodeAreMarkedLostAndLiveNodesAreLeftAlone(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID onLost = f.device("a");
        UUID onLive = f.device("b");
        UUID onSelf = f.device("c");
        String lost = "lost-" + UUID.randomUUID();
        String live = "live-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        f.connections().heartbeat(lost, now - 61_000);
        f.connections().heartbeat(live, now - 5_000);
        f.recorder().connected(f.info(onLost, "1", lost, at(0)));
        f.recorder().connected(f.info(onLive, "2", live, at(0)));
        f.recorder().connected(f.info(onSelf, "3", f.node(), at(0)));
        f.recorder().flush();

        assertThat(f.liveness().reap()).isGreaterThanOrEqualTo(1);

        DeviceConnection s = f.state(onLost);
        assertThat(s.connected()).isFalse();
        assertThat(s.disconnectReason()).isEqualTo("node lost");
        assertThat(f.events(onLost)).containsExactly("DISCONNECTED", "CONNECTED", "CREATED");
        assertThat(f.devices().events(f.tenant(), onLost, null, 1).items().getFirst().actor()).isEqualTo("system");
        assertThat(f.state(onLive).connected()).isTrue();
        assertThat(f.state(onSelf).connected()).isTrue();
        assertThat(f.connections().silentNodes(now - 60_000, f.node())).doesNotContain(lost).doesNotContain(live);
        assertThat(f.liveness().reap()).as("nothing left to reap for this tenant's lost node").isZero();
        f.connections().deleteNode(live);
    }
}
