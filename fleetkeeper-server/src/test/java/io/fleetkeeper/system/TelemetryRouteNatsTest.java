package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.event.WebhookSink;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.NatsServer;
import io.fleetkeeper.testing.TestTenant;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Telemetry routes through NATS JetStream, on a server process configured with the machine's NATS (skipped,
 * visibly, without it): a device publishes over MQTT, the telemetry stream's consumer stores the messages, the
 * route's matches go through the ROUTES stream and its durable consumer to a local webhook receiver, signed.
 * Messages of another stream, a payload the condition refuses and another tenant's telemetry are not delivered.
 * The embedded path (no NATS) is {@code io.fleetkeeper.event.TelemetryRouteTests}.
 */
class TelemetryRouteNatsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    @Test
    void matchingTelemetryIsDeliveredThroughTheRouteStream() throws Exception {
        NatsServer.assumeRunning();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String routesStream = "FKT_TROUTES_" + run;
        List<String> streams = List.of("FKT_TELEMETRY_" + run, "FKT_TEVENTS_" + run, routesStream);
        int mqttPort = ServerProcess.freePort();
        String[] args = {"--fleetkeeper.nats.url=" + NatsServer.URL, "--fleetkeeper.mqtt.port=" + mqttPort,
                "--fleetkeeper.device-api.port=0",
                "--fleetkeeper.nats.telemetry-stream=" + streams.get(0), "--fleetkeeper.nats.telemetry-subject=fkt-tm-"
                        + run, "--fleetkeeper.nats.telemetry-consumer=fkt-tm-" + run,
                "--fleetkeeper.nats.events-stream=" + streams.get(1),
                "--fleetkeeper.nats.routes-stream=" + routesStream,
                "--fleetkeeper.nats.routes-subject=fkt-rt-" + run, "--fleetkeeper.nats.routes-consumer=fkt-rt-" + run,
                "--fleetkeeper.events.allowed-private-networks=127.0.0.1/32"};
        try (ServerProcess server = new ServerProcess(dataDir).start(args); WebhookSink sink = new WebhookSink()) {
            Api api = new Api(server.port());
            TestTenant t = tenant(api, "routes-nats");
            TestTenant other = tenant(api, "routes-nats-other");
            JsonNode route = api.post(t.admin(), "/api/v1/routes", Map.of("name", "hot", "source",
                    List.of("telemetry:fk/+/telemetry/env"), "payload_condition", "payload.temperature > 30",
                    "destination", Map.of("type", "webhook", "url", sink.url()))).expect(201);
            sink.secret(route.path("destination").path("secret").asString());
            String routeId = route.path("id").asString();

            MqttDevices devices = new MqttDevices(api);
            MqttDevices.KeyDevice mine = devices.keyDevice(t, "mine");
            MqttDevices.KeyDevice theirs = devices.keyDevice(other, "theirs");
            Mqtt5BlockingClient m = devices.connect(mine, mqttPort);
            Mqtt5BlockingClient o = devices.connect(theirs, mqttPort);
            try {
                String env = "fk/" + mine.id() + "/telemetry/env";
                publish(o, "fk/" + theirs.id() + "/telemetry/env", "{\"msg_id\":\"o1\",\"temperature\":90}");
                publish(m, env, "{\"msg_id\":\"t1\",\"temperature\":35}");
                publish(m, env, "{\"msg_id\":\"t2\",\"temperature\":20}");
                publish(m, "fk/" + mine.id() + "/telemetry/other", "{\"msg_id\":\"t3\",\"temperature\":40}");
                publish(m, env, "{\"msg_id\":\"t4\",\"temperature\":41}");
            } finally {
                m.disconnect();
                o.disconnect();
            }
            Await.until(Duration.ofSeconds(60), "two deliveries received", () -> sink.received().size() >= 2);
            Await.until(Duration.ofSeconds(30), "the delivery log shows them delivered", () -> api.get(t.admin(),
                    "/api/v1/routes/" + routeId + "/deliveries?status=delivered").expect(200).path("items")
                    .size() == 2);
            // t4 was stored after o1, t2 and t3, by the one telemetry consumer: had any of them matched, it
            // would have been handed to the route stream by now
            assertThat(sink.received()).extracting(r -> JSON.readTree(r.body()).path("data").path("msg_id")
                    .asString()).containsExactly("t1", "t4");
            assertThat(sink.received()).allSatisfy(r -> {
                assertThat(r.signatureValid()).isTrue();
                JsonNode ce = JSON.readTree(r.body());
                assertThat(ce.path("type").asString()).isEqualTo("io.fleetkeeper.telemetry.received");
                assertThat(ce.path("tenantid").asString()).isEqualTo(t.id());
                assertThat(ce.path("subject").asString()).isEqualTo(mine.id());
            });
            try (Connection nc = Nats.connect(NatsServer.URL)) {
                assertThat(nc.jetStreamManagement().getConsumerInfo(routesStream, "fkt-rt-" + run).getDelivered()
                        .getStreamSequence()).as("what went through the route stream").isEqualTo(2);
            }
        } finally {
            try (Connection nc = Nats.connect(NatsServer.URL)) {
                for (String s : streams) {
                    try {
                        nc.jetStreamManagement().deleteStream(s);
                    } catch (JetStreamApiException absent) {
                        // not created
                    }
                }
            }
        }
    }

    private static TestTenant tenant(Api api, String name) {
        JsonNode created = api.post(ServerProcess.PLATFORM_TOKEN, "/api/v1/operator/tenants",
                Map.of("name", name)).expect(201);
        return new TestTenant(created.path("tenant").path("id").asString(), name,
                created.path("admin_token").path("token").asString(),
                created.path("admin_token").path("id").asString());
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String payload) {
        c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }
}
