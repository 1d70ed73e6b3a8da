package io.fleetkeeper.connectivity;

import io.fleetkeeper.cluster.ClusterBus;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** A real MQTT client connects, is taken over and disconnects; operators see it over HTTP. */
class ConnectionStateMqttTests extends ApiTest {

    @Autowired MqttEndpoint endpoint;
    @Autowired ConnectionStateRecorder recorder;
    @Autowired ClusterBus bus;

    MqttDevices devices;
    TestTenant tenant;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
    }

    Mqtt5BlockingClient client(KeyDevice d, CompletableFuture<String> serverClosed) throws Exception {
        return MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .addDisconnectedListener(ctx -> {
                    if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                        serverClosed.complete(String.valueOf(ctx.getCause()));
                    }
                }).buildBlocking();
    }

    void connect(Mqtt5BlockingClient c, KeyDevice d) {
        c.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .send();
    }

    /** The device's connection once {@code until} holds, flushing as the interval would. */
    JsonNode connectionWhen(String id, Predicate<JsonNode> until) {
        return Await.until(Duration.ofSeconds(10), "the expected connection state", () -> {
            recorder.flush();
            return api.get(tenant.admin(), "/api/v1/devices/" + id + "/connection").expect(200);
        }, until);
    }

    @Test
    void lastSeenMovesAtMostOncePerIntervalWhileConnectedAndIsTheLastPacketWhenTheConnectionEnds() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter");
        Mqtt5BlockingClient c = client(d, new CompletableFuture<>());
        connect(c, d);
        JsonNode on = connectionWhen(d.id(), n -> n.path("connected").asBoolean() && !n.path("last_seen_at").isNull());
        Instant first = Instant.parse(on.path("last_seen_at").asString());

        // a packet within the interval (30 s by default) does not move it
        c.subscribeWith().topicFilter("fk/" + d.id() + "/shadow/update/delta").send();
        recorder.flush();
        JsonNode still = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/connection").expect(200);
        assertThat(Instant.parse(still.path("last_seen_at").asString())).as("while connected").isEqualTo(first);

        c.disconnect();
        JsonNode off = connectionWhen(d.id(), n -> !n.path("connected").asBoolean());
        Instant last = Instant.parse(off.path("last_seen_at").asString());
        assertThat(last).as("the last packet's time, once the connection ended").isAfter(first);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("last_seen_at").asString())
                .isEqualTo(off.path("last_seen_at").asString());
    }

    @Test
    void aDeviceConnectedOverMqttIsConnectedUntilItDisconnects() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        Mqtt5BlockingClient c = client(d, new CompletableFuture<>());
        connect(c, d);

        JsonNode on = connectionWhen(d.id(), n -> n.path("connected").asBoolean());
        assertThat(on.path("protocol").asString()).isEqualTo("MQTT 5");
        assertThat(on.path("client_id").asString()).isEqualTo(d.id());
        assertThat(on.path("authentication").asString()).isEqualTo("device_key");
        assertThat(on.path("node_id").asString()).isEqualTo(bus.nodeId());
        assertThat(on.path("remote_address").asString()).startsWith("127.0.0.1:");
        assertThat(on.path("last_seen_at").isNull()).isFalse();
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?connected=true").expect(200))).containsExactly(d.id());
        assertThat(stats(tenant.admin()).path("connected").asLong()).isEqualTo(1);

        c.disconnect();

        JsonNode off = connectionWhen(d.id(), n -> !n.path("connected").asBoolean());
        assertThat(off.path("disconnect_reason").asString()).isEqualTo("client disconnect");
        assertThat(stats(tenant.admin()).path("connected").asLong()).isZero();
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events").expect(200).path("items")
                .findValuesAsString("type")).startsWith("DISCONNECTED", "CONNECTED");
    }

    @Test
    void aTakeoverLeavesTheNewConnectionConnected() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        CompletableFuture<String> firstClosed = new CompletableFuture<>();
        Mqtt5BlockingClient first = client(d, firstClosed);
        connect(first, d);
        String firstSince = connectionWhen(d.id(), n -> n.path("connected").asBoolean()).path("since").asString();

        Mqtt5BlockingClient second = client(d, new CompletableFuture<>());
        connect(second, d);
        firstClosed.get(5, TimeUnit.SECONDS);

        // Whichever of the old connection's disconnect and the new connect is recorded first, the old one's
        // disconnect is noted and the device ends up connected on the new one (awaited: the recorder is
        // asynchronous, so the state in between may still show the first connection or none).
        JsonNode c = connectionWhen(d.id(), n -> !n.path("last_disconnected_at").isNull()
                && n.path("connected").asBoolean() && !n.path("since").asString().equals(firstSince));
        assertThat(c.path("connected").asBoolean()).isTrue();
        assertThat(api.get(tenant.admin(), "/api/v1/devices?query=connected%20%3D%20true").expect(200).path("items"))
                .hasSize(1);
        // The old connection's DISCONNECTED may be recorded before or after the new CONNECTED.
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events").expect(200).path("items")
                .findValuesAsString("type").subList(0, 3)).containsExactlyInAnyOrder("DISCONNECTED", "CONNECTED",
                        "CONNECTED");
        second.disconnect();
        assertThat(connectionWhen(d.id(), n -> !n.path("connected").asBoolean()).path("disconnect_reason")
                .asString()).isEqualTo("client disconnect");
    }

    @Test
    void aTakenOverMqtt5ConnectionIsRecordedAsTakenOver() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        CompletableFuture<String> firstClosed = new CompletableFuture<>();
        Mqtt5BlockingClient first = client(d, firstClosed);
        connect(first, d);
        Mqtt5BlockingClient second = client(d, new CompletableFuture<>());
        connect(second, d);
        firstClosed.get(5, TimeUnit.SECONDS);
        JsonNode c = connectionWhen(d.id(), n -> !n.path("last_disconnected_at").isNull());
        assertThat(c.path("disconnect_reason").asString()).isEqualTo("taken over");
        second.disconnect();
    }
}
