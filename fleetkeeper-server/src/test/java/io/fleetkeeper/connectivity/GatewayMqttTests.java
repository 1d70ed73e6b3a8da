package io.fleetkeeper.connectivity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A gateway over MQTT/TLS speaks for its children on {@code fk/<gateway>/children/<child>/...}: it reports their
 * connections, shadow and telemetry, receives their deltas and commands, is refused for any other device, and its
 * suspension ends its children's connections.
 */
class GatewayMqttTests extends ApiTest {

    @Autowired MqttEndpoint endpoint;
    @Autowired ConnectionStateRecorder recorder;

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    JsonNode connectionWhen(TestTenant t, String id, Predicate<JsonNode> until) {
        return Await.until(Duration.ofSeconds(10), "the expected connection state of " + id, () -> {
            recorder.flush();
            return api.get(t.admin(), "/api/v1/devices/" + id + "/connection").expect(200);
        }, until);
    }

    String child(TestTenant t, String name, String parent) {
        return createDevice(t.admin(), Map.of("name", name, "device_type", "sensor", "parent_device_id", parent))
                .path("id").asString();
    }

    @Test
    void aGatewaySpeaksForItsChildrenOnlyAndTakesThemDownWithIt() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        TestTenant tenant = newTenant();
        TestTenant other = newTenant();
        KeyDevice gw = devices.keyDevice(tenant, "gateway");
        String c1 = child(tenant, "c1", gw.id());
        String c2 = child(tenant, "c2", gw.id());
        String unrelated = createDevice(tenant.admin(), device("unrelated")).path("id").asString();
        String foreign = createDevice(other.admin(), device("foreign")).path("id").asString();
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices/" + gw.id() + "/children").expect(200)))
                .containsExactlyInAnyOrder(c1, c2);
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?query=parent%20%3D%20%22" + gw.id() + "%22")
                .expect(200))).containsExactlyInAnyOrder(c1, c2);

        CompletableFuture<String> closed = new CompletableFuture<>();
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(gw.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .addDisconnectedListener(ctx -> {
                    if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                        closed.complete(String.valueOf(ctx.getCause()));
                    }
                }).buildBlocking();
        c.connectWith().simpleAuth().username(gw.id()).password(bytes(gw.key())).applySimpleAuth().send();
        String ns = "fk/" + gw.id() + "/children/";
        try (var inbox = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "+/#").qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(ns + c1 + "/connect").qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(ns + c2 + "/connect").qos(MqttQos.AT_LEAST_ONCE).send();
            JsonNode via = connectionWhen(tenant, c1, n -> n.path("connected").asBoolean());
            assertThat(via.path("authentication").asString()).isEqualTo("gateway");
            assertThat(via.path("client_id").asString()).isEqualTo(gw.id());
            connectionWhen(tenant, c2, n -> n.path("connected").asBoolean());

            // upstream: the children's reported shadow and telemetry
            c.publishWith().topic(ns + c1 + "/shadow/update").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"state\":{\"reported\":{\"temp\":21}}}")).send();
            Mqtt5Publish accepted = receive(inbox, ns + c1 + "/shadow/update/accepted");
            assertThat(new String(accepted.getPayloadAsBytes(), StandardCharsets.UTF_8)).contains("\"temp\":21");
            assertThat(api.get(tenant.admin(), "/api/v1/devices/" + c1 + "/shadow").expect(200).path("state")
                    .path("reported").path("temp").asInt()).isEqualTo(21);
            c.publishWith().topic(ns + c2 + "/telemetry").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"rpm\":5}"))
                    .send();
            assertThat(api.get(tenant.admin(), "/api/v1/devices/" + c2 + "/telemetry/latest").expect(200)
                    .path("items").get(0).path("value").asDouble()).isEqualTo(5.0);

            // downstream: a child's delta and command reach the gateway under the child's id
            api.call("PUT", "/api/v1/devices/" + c1 + "/shadow/desired").token(tenant.admin())
                    .body(Map.of("temp", 18)).send().expect(200);
            Mqtt5Publish delta = receive(inbox, ns + c1 + "/shadow/update/delta");
            assertThat(new String(delta.getPayloadAsBytes(), StandardCharsets.UTF_8)).contains("\"temp\":18");
            String cid = api.post(tenant.admin(), "/api/v1/devices/" + c2 + "/commands", Map.of("name", "reboot"))
                    .expect(201).path("id").asString();
            receive(inbox, ns + c2 + "/commands/" + cid);
            c.publishWith().topic(ns + c2 + "/commands/" + cid + "/result").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"status\":\"SUCCEEDED\"}")).send();
            Await.until(Duration.ofSeconds(10), "the command to succeed", () -> api.get(tenant.admin(),
                    "/api/v1/devices/" + c2 + "/commands/" + cid).expect(200).path("status").asString(),
                    "SUCCEEDED"::equals);

            // refused: a device of the tenant that is not its child, and another tenant's device
            for (String stranger : new String[] {unrelated, foreign}) {
                assertThatThrownBy(() -> c.publishWith().topic(ns + stranger + "/shadow/update")
                        .qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"state\":{\"reported\":{\"x\":1}}}")).send())
                        .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(
                                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            }
            api.get(tenant.admin(), "/api/v1/devices/" + unrelated + "/shadow").expectProblem(404, "NOT_FOUND");
            api.get(other.admin(), "/api/v1/devices/" + foreign + "/shadow").expectProblem(404, "NOT_FOUND");
            assertThat(c.getState().isConnected()).isTrue();

            // suspending the gateway closes its connection and its children's with it
            api.post(tenant.admin(), "/api/v1/devices/" + gw.id() + "/suspend", null).expect(200);
            closed.get(10, TimeUnit.SECONDS);
            JsonNode down = connectionWhen(tenant, c1, n -> !n.path("connected").asBoolean());
            assertThat(down.path("disconnect_reason").asString()).isEqualTo("gateway disconnected");
            connectionWhen(tenant, c2, n -> !n.path("connected").asBoolean());
        }
    }

    /**
     * A burst of publications for children well past the per-device limit (100 a second, a burst of 100 in this
     * server) is carried: they count against the gateway allowance (5,000), not the gateway's own bucket.
     */
    @Test
    void aGatewaysBurstForItsChildrenIsNotHeldToTheDeviceLimit() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        TestTenant tenant = newTenant();
        KeyDevice gw = devices.keyDevice(tenant, "gateway");
        List<String> kids = List.of(child(tenant, "k1", gw.id()), child(tenant, "k2", gw.id()),
                child(tenant, "k3", gw.id()));
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(gw.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
        c.connectWith().simpleAuth().username(gw.id()).password(bytes(gw.key())).applySimpleAuth().send();
        try {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                sent.add(c.toAsync().publishWith().topic("fk/" + gw.id() + "/children/" + kids.get(i % 3)
                        + "/telemetry").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"n\":" + i + "}")).send());
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(c.getState().isConnected()).isTrue();
            for (String kid : kids) {
                assertThat(api.get(tenant.admin(), "/api/v1/devices/" + kid + "/telemetry/latest").expect(200)
                        .path("items").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(297.0);
            }
        } finally {
            c.disconnect();
        }
    }

    /**
     * A child's {@code last_seen_at} moves at most once per {@code last-seen-interval} (30 s by default) while its
     * gateway speaks for it, as a direct device's does, and to its last message when the gateway reports it gone.
     */
    @Test
    void aChildsLastSeenMovesAtMostOncePerIntervalAndIsItsLastMessageWhenTheGatewayReportsItGone() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        TestTenant tenant = newTenant();
        KeyDevice gw = devices.keyDevice(tenant, "gateway");
        String kid = child(tenant, "k", gw.id());
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(gw.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
        c.connectWith().simpleAuth().username(gw.id()).password(bytes(gw.key())).applySimpleAuth().send();
        String ns = "fk/" + gw.id() + "/children/" + kid;
        try {
            c.publishWith().topic(ns + "/connect").qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(ns + "/telemetry").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"n\":1}")).send();
            Instant first = lastSeen(tenant, kid);
            Await.until(Duration.ofSeconds(5), "the clock past the first message", Instant::now,
                    now -> now.isAfter(first.plusMillis(5)));

            // a second message within the interval does not move it
            c.publishWith().topic(ns + "/telemetry").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"n\":2}")).send();
            assertThat(lastSeen(tenant, kid)).as("while the gateway speaks for it").isEqualTo(first);

            // the gateway reports the child gone: its last message's time
            c.publishWith().topic(ns + "/disconnect").qos(MqttQos.AT_LEAST_ONCE).send();
            JsonNode off = connectionWhen(tenant, kid, n -> !n.path("connected").asBoolean());
            assertThat(Instant.parse(off.path("last_seen_at").asString())).isAfter(first);
            assertThat(lastSeen(tenant, kid)).isEqualTo(Instant.parse(off.path("last_seen_at").asString()));
        } finally {
            c.disconnect();
        }
    }

    /** The device's {@code last_seen_at}, once what the server heard is written. */
    Instant lastSeen(TestTenant t, String id) {
        recorder.flush();
        return Instant.parse(api.get(t.admin(), "/api/v1/devices/" + id).expect(200).path("last_seen_at").asString());
    }

    @Test
    void gatewayChainsAreCheckedForCyclesDepthAndTenant() {
        TestTenant tenant = newTenant();
        TestTenant other = newTenant();
        String a = createDevice(tenant.admin(), device("a")).path("id").asString();
        String b = child(tenant, "b", a);
        String c = child(tenant, "c", b);
        api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "d", "device_type", "sensor",
                "parent_device_id", c)).expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), "/api/v1/devices/" + a, Map.of("parent_device_id", c), null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), "/api/v1/devices/" + a, Map.of("parent_device_id", a), null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(other.admin(), "/api/v1/devices", Map.of("name", "x", "device_type", "sensor",
                "parent_device_id", a)).expectProblem(400, "VALIDATION_FAILED");
        api.get(other.admin(), "/api/v1/devices/" + a + "/children").expectProblem(404, "NOT_FOUND");
        assertThat(api.patch(tenant.admin(), "/api/v1/devices/" + c, Map.of("parent_device_id", a), null)
                .expect(200).path("parent_device_id").asString()).isEqualTo(a);
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices/" + a + "/children").expect(200)))
                .containsExactlyInAnyOrder(b, c);
    }

    private static Mqtt5Publish receive(Mqtt5BlockingClient.Mqtt5Publishes inbox, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            var p = inbox.receive(1, TimeUnit.SECONDS);
            if (p.isPresent() && p.get().getTopic().toString().equals(topic)) {
                return p.get();
            }
        }
        throw new AssertionError("no message on " + topic);
    }
}
