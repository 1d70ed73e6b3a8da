package io.fleetkeeper.connectivity;

import io.fleetkeeper.cluster.ClusterBus;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Connection state as operators see it: the recorder is driven directly (as the MQTT endpoint does), flushed,
 * and everything is read back over HTTP.
 */
class ConnectionStateApiTests extends ApiTest {

    @Autowired ConnectionStateRecorder recorder;
    @Autowired ClusterBus bus;

    TestTenant tenant;
    UUID tenantId;
    Instant t0;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
        tenantId = UUID.fromString(tenant.id());
        t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
    }

    ConnectionInfo info(String deviceId, String connectionId, Instant since) {
        return new ConnectionInfo(connectionId, tenantId, UUID.fromString(deviceId), bus.nodeId(), since,
                "203.0.113.7:51234", "MQTT 5", deviceId, 60, MqttAccess.DEVICE_KEY, true);
    }

    String newDevice(String name) {
        return createDevice(tenant.admin(), device(name)).path("id").asString();
    }

    JsonNode connection(String deviceId) {
        return api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/connection").expect(200);
    }

    long count(String query) {
        return api.get(tenant.admin(), "/api/v1/devices/count?query=" + q(query)).expect(200).path("count").asLong();
    }

    static String q(String query) {
        return URLEncoder.encode(query, StandardCharsets.UTF_8);
    }

    @Test
    void aConnectedDeviceShowsItsConnectionEverywhere() {
        String id = newDevice("pump");
        String idle = newDevice("idle");
        recorder.connected(info(id, "c-1", t0));
        recorder.seen(tenantId, UUID.fromString(id), t0.plusSeconds(5));
        recorder.flush();

        JsonNode c = connection(id);
        assertThat(c.path("device_id").asString()).isEqualTo(id);
        assertThat(c.path("connected").asBoolean()).isTrue();
        assertThat(Instant.parse(c.path("since").asString())).isEqualTo(t0);
        assertThat(c.path("remote_address").asString()).isEqualTo("203.0.113.7:51234");
        assertThat(c.path("protocol").asString()).isEqualTo("MQTT 5");
        assertThat(c.path("client_id").asString()).isEqualTo(id);
        assertThat(c.path("keep_alive").asInt()).isEqualTo(60);
        assertThat(c.path("authentication").asString()).isEqualTo("device_key");
        assertThat(c.path("node_id").asString()).isEqualTo(bus.nodeId());
        assertThat(c.path("last_disconnected_at").isNull()).isTrue();
        assertThat(c.path("disconnect_reason").isNull()).isTrue();
        assertThat(Instant.parse(c.path("last_seen_at").asString())).isEqualTo(t0.plusSeconds(5));

        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?connected=true").expect(200))).containsExactly(id);
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?connected=false").expect(200)))
                .containsExactly(idle);
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?query=" + q("connected = true")).expect(200)))
                .containsExactly(id);
        assertThat(count("connected = true")).isEqualTo(1);
        assertThat(count("connected = false")).isEqualTo(1);
        assertThat(count("NOT connected = true AND name = \"idle\"")).isEqualTo(1);
        assertThat(stats(tenant.admin()).path("connected").asLong()).isEqualTo(1);
        JsonNode device = api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200);
        assertThat(Instant.parse(device.path("last_seen_at").asString())).isEqualTo(t0.plusSeconds(5));
        assertThat(device.path("version").asLong()).as("being seen is not a change").isEqualTo(1);

        JsonNode event = api.get(tenant.admin(), "/api/v1/devices/" + id + "/events").expect(200).path("items").get(0);
        assertThat(event.path("type").asString()).isEqualTo("CONNECTED");
        assertThat(event.path("actor").asString()).isEqualTo("device:" + id);
        assertThat(Instant.parse(event.path("at").asString())).isEqualTo(t0);
        assertThat(event.path("details").path("remote_address").asString()).isEqualTo("203.0.113.7:51234");
        assertThat(event.path("details").path("protocol").asString()).isEqualTo("MQTT 5");
        assertThat(event.path("details").path("connection_id").asString()).isEqualTo("c-1");
    }

    @Test
    void aDisconnectedDeviceKeepsItsLastConnectionAndReason() {
        String id = newDevice("pump");
        recorder.connected(info(id, "c-1", t0));
        recorder.flush();
        recorder.disconnected(info(id, "c-1", t0), "keep-alive timeout", t0.plusSeconds(90));
        recorder.flush();

        JsonNode c = connection(id);
        assertThat(c.path("connected").asBoolean()).isFalse();
        assertThat(Instant.parse(c.path("last_disconnected_at").asString())).isEqualTo(t0.plusSeconds(90));
        assertThat(c.path("disconnect_reason").asString()).isEqualTo("keep-alive timeout");
        assertThat(c.path("remote_address").asString()).as("the last connection").isEqualTo("203.0.113.7:51234");
        assertThat(stats(tenant.admin()).path("connected").asLong()).isZero();
        assertThat(api.get(tenant.admin(), "/api/v1/devices?connected=true").expect(200).path("items")).isEmpty();
        assertThat(count("connected = false")).isEqualTo(1);

        JsonNode events = api.get(tenant.admin(), "/api/v1/devices/" + id + "/events").expect(200).path("items");
        assertThat(events.findValuesAsString("type")).containsExactly("DISCONNECTED", "CONNECTED", "CREATED");
        assertThat(events.get(0).path("details").path("reason").asString()).isEqualTo("keep-alive timeout");
        assertThat(events.get(0).path("details").path("remote_address").asString()).isEqualTo("203.0.113.7:51234");
        assertThat(events.get(0).path("details").path("protocol").asString()).isEqualTo("MQTT 5");
    }

    @Test
    void aDisconnectAndReconnectInOneWindowEndConnectedWithEveryEvent() {
        String id = newDevice("pump");
        recorder.connected(info(id, "c-1", t0));
        recorder.disconnected(info(id, "c-1", t0), "connection lost", t0.plusSeconds(1));
        recorder.connected(info(id, "c-2", t0.plusSeconds(2)));
        recorder.flush();

        JsonNode c = connection(id);
        assertThat(c.path("connected").asBoolean()).isTrue();
        assertThat(Instant.parse(c.path("since").asString())).isEqualTo(t0.plusSeconds(2));
        assertThat(c.path("disconnect_reason").asString()).isEqualTo("connection lost");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id + "/events").expect(200).path("items")
                .findValuesAsString("type")).containsExactly("CONNECTED", "DISCONNECTED", "CONNECTED", "CREATED");
    }

    @Test
    void aLateDisconnectOfATakenOverConnectionLeavesTheNewOneConnected() {
        String id = newDevice("pump");
        String other = newDevice("pump-2");
        // Across flushes: the new connection is written before the old one's disconnect arrives.
        recorder.connected(info(id, "old", t0));
        recorder.flush();
        recorder.connected(info(id, "new", t0.plusSeconds(10)));
        recorder.flush();
        recorder.disconnected(info(id, "old", t0), "taken over", t0.plusSeconds(11));
        recorder.flush();
        // Within one window, in the order a takeover produces.
        recorder.connected(info(other, "old-2", t0));
        recorder.connected(info(other, "new-2", t0.plusSeconds(10)));
        recorder.disconnected(info(other, "old-2", t0), "taken over", t0.plusSeconds(11));
        recorder.flush();

        for (String device : new String[] {id, other}) {
            JsonNode c = connection(device);
            assertThat(c.path("connected").asBoolean()).as(device).isTrue();
            assertThat(Instant.parse(c.path("since").asString())).isEqualTo(t0.plusSeconds(10));
        }
        assertThat(connection(id).path("disconnect_reason").asString()).isEqualTo("taken over");
        assertThat(connection(other).path("disconnect_reason").asString()).isEqualTo("taken over");
        assertThat(count("connected = true")).isEqualTo(2);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id + "/events").expect(200).path("items")
                .findValuesAsString("type")).containsExactly("DISCONNECTED", "CONNECTED", "CONNECTED", "CREATED");
    }

    @Test
    void lastSeenOnlyMovesForward() {
        String id = newDevice("pump");
        recorder.seen(tenantId, UUID.fromString(id), t0.plusSeconds(30));
        recorder.flush();
        recorder.seen(tenantId, UUID.fromString(id), t0);
        recorder.flush();
        assertThat(Instant.parse(connection(id).path("last_seen_at").asString())).isEqualTo(t0.plusSeconds(30));
        assertThat(api.get(tenant.admin(), "/api/v1/devices?last_seen_from=" + t0.plusSeconds(29)).expect(200)
                .path("items")).hasSize(1);
    }

    @Test
    void aDeviceThatNeverConnectedAnswersFalseWithNulls() {
        String id = newDevice("pump");
        JsonNode c = api.get(token(tenant, "viewer"), "/api/v1/devices/" + id + "/connection").expect(200);
        assertThat(c.path("connected").asBoolean()).isFalse();
        for (String field : new String[] {"since", "remote_address", "protocol", "client_id", "keep_alive",
                "authentication", "node_id", "last_disconnected_at", "disconnect_reason", "last_seen_at"}) {
            assertThat(c.has(field)).as(field).isTrue();
            assertThat(c.path(field).isNull()).as(field).isTrue();
        }
    }

    @Test
    void anotherTenantsOrAnUnknownDeviceIsNotFound() {
        String id = newDevice("pump");
        recorder.connected(info(id, "c-1", t0));
        recorder.flush();
        TestTenant other = newTenant();
        api.get(other.admin(), "/api/v1/devices/" + id + "/connection").expectProblem(404, "NOT_FOUND");
        api.get(tenant.admin(), "/api/v1/devices/" + UUID.randomUUID() + "/connection")
                .expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/devices?connected=true").expect(200).path("items")).isEmpty();
        assertThat(stats(other.admin()).path("connected").asLong()).isZero();
        api.get(tenant.admin(), "/api/v1/devices?connected=yes").expectProblem(400, "INVALID_PARAMETER");
        api.get(null, "/api/v1/devices/" + id + "/connection").expect(401);
    }

    @Test
    void aPurgedDeviceLeavesNoConnectionBehind() {
        String id = newDevice("pump");
        recorder.connected(info(id, "c-1", t0));
        recorder.flush();
        assertThat(stats(tenant.admin()).path("connected").asLong()).isEqualTo(1);
        api.post(tenant.admin(), "/api/v1/devices/" + id + "/decommission", null).expect(200);
        api.delete(tenant.admin(), "/api/v1/devices/" + id).expect(204);
        recorder.disconnected(info(id, "c-1", t0), "device purged", t0.plusSeconds(1));
        recorder.seen(tenantId, UUID.fromString(id), t0.plusSeconds(1));
        recorder.flush();
        assertThat(stats(tenant.admin()).path("connected").asLong()).isZero();
        api.get(tenant.admin(), "/api/v1/devices/" + id + "/connection").expectProblem(404, "NOT_FOUND");
    }
}
