package io.fleetkeeper.command;

import static io.fleetkeeper.command.CommandApiTests.command;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Commands end to end: an independent MQTT client over TLS (HiveMQ's), and a device polling over HTTPS. */
class CommandDeviceTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private MqttEndpoint endpoint;
    @Autowired
    private DeviceListener listener;

    private MqttDevices devices;
    private TestTenant tenant;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
    }

    @Test
    void connectedDeviceGetsTheCommandAtOnceAndReportsSuccessOverMqtt() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        String path = "/api/v1/devices/" + d.id() + "/commands";
        String ns = "fk/" + d.id() + "/";
        Mqtt5BlockingClient c = connect(d);
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "commands/+").qos(MqttQos.AT_LEAST_ONCE).send();
            JsonNode created = api.post(tenant.admin(), path, command("reboot", Map.of("delay", 2))).expect(201);
            String id = created.path("id").asString();
            JsonNode got = next(publishes, ns + "commands/" + id);
            assertThat(got.path("name").asString()).isEqualTo("reboot");
            assertThat(got.path("payload").path("delay").asInt()).isEqualTo(2);
            assertThat(got.path("expires_at").isString()).isTrue();
            assertThat(status(path, id)).isEqualTo("SENT");

            c.publishWith().topic(ns + "commands/" + id + "/ack").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[0]).send();
            awaitStatus(path, id, "DELIVERED");
            c.publishWith().topic(ns + "commands/" + id + "/result").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"status\":\"SUCCEEDED\",\"result\":{\"uptime\":0}}")).send();
            JsonNode done = awaitStatus(path, id, "SUCCEEDED");
            assertThat(done.path("result").path("uptime").asInt()).isZero();
            assertThat(done.path("sent_at").isString()).isTrue();
            assertThat(done.path("delivered_at").isString()).isTrue();
            assertThat(done.path("finished_at").isString()).isTrue();
            // A second result is refused (final states are final), and the device is told why.
            c.subscribeWith().topicFilter(ns + "commands/+/result/rejected").qos(MqttQos.AT_MOST_ONCE).send();
            c.publishWith().topic(ns + "commands/" + id + "/result").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"status\":\"FAILED\"}")).send();
            JsonNode rejected = next(publishes, ns + "commands/" + id + "/result/rejected");
            assertThat(rejected.path("code").asString()).isEqualTo("INVALID_TRANSITION");
            c.publishWith().topic(ns + "commands/" + id + "/result").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("not json")).send();
            assertThat(next(publishes, ns + "commands/" + id + "/result/rejected").path("code").asString())
                    .isEqualTo("MALFORMED_REQUEST");
            assertThat(status(path, id)).isEqualTo("SUCCEEDED");
            assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events").expect(200).path("items")
                    .valueStream().map(e -> e.path("type").asString())).doesNotContain("COMMAND-FAILED");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void offlineDeviceGetsItsQueuedCommandsWhenItSubscribes() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "valve");
        String path = "/api/v1/devices/" + d.id() + "/commands";
        String ns = "fk/" + d.id() + "/";
        String id = api.post(tenant.admin(), path, command("open", null)).expect(201).path("id").asString();
        assertThat(status(path, id)).isEqualTo("QUEUED");
        Mqtt5BlockingClient c = connect(d);
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "commands/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(next(publishes, ns + "commands/" + id).path("name").asString()).isEqualTo("open");
            awaitStatus(path, id, "SENT");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void deviceWithoutMqttPollsOverHttpsAndReportsTheResult() {
        KeyDevice d = devices.keyDevice(tenant, "meter");
        String path = "/api/v1/devices/" + d.id() + "/commands";
        String id = api.post(tenant.admin(), path, command("read", null)).expect(201).path("id").asString();
        DevicePort device = new DevicePort(api, listener.port());
        Map<String, String> key = Map.of("X-Device-Key", d.key());
        JsonNode polled = device.call("GET", "/device/v1/commands", key, null).expect(200).path("items");
        assertThat(polled).hasSize(1);
        assertThat(polled.get(0).path("id").asString()).isEqualTo(id);
        assertThat(polled.get(0).path("status").asString()).isEqualTo("DELIVERED");
        assertThat(device.call("GET", "/device/v1/commands", key, null).expect(200).path("items")).isEmpty();
        device.call("POST", "/device/v1/commands/" + id + "/result", key, "{\"status\":\"DONE\"}")
                .expectProblem(400, "VALIDATION_FAILED");
        JsonNode failed = device.call("POST", "/device/v1/commands/" + id + "/result", key,
                "{\"status\":\"FAILED\",\"result\":{\"error\":\"sensor\"}}").expect(200);
        assertThat(failed.path("status").asString()).isEqualTo("FAILED");
        device.call("POST", "/device/v1/commands/" + id + "/result", key, "{\"status\":\"SUCCEEDED\"}")
                .expectProblem(409, "INVALID_TRANSITION");
        device.call("GET", "/device/v1/commands", Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
        KeyDevice other = devices.keyDevice(tenant, "other");
        device.call("POST", "/device/v1/commands/" + id + "/result", Map.of("X-Device-Key", other.key()),
                "{\"status\":\"SUCCEEDED\"}").expectProblem(404, "NOT_FOUND");
        assertThat(api.get(tenant.admin(), path + "/" + id).expect(200).path("result").path("error").asString())
                .isEqualTo("sensor");
    }

    @Test
    void waitReturnsTheResultWhenTheDeviceAnswersAnd504WhenItDoesNot() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "heater");
        String path = "/api/v1/devices/" + d.id() + "/commands";
        String ns = "fk/" + d.id() + "/";
        Mqtt5BlockingClient c = connect(d);
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "commands/+").qos(MqttQos.AT_LEAST_ONCE).send();
            CompletableFuture<JsonNode> answered = CompletableFuture.supplyAsync(
                    () -> api.post(tenant.admin(), path + "?wait=5", command("ping", null)).expect(201));
            Mqtt5Publish p = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
            c.publishWith().topic(p.getTopic() + "/result").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"status\":\"SUCCEEDED\",\"result\":\"pong\"}")).send();
            JsonNode result = answered.get(10, TimeUnit.SECONDS);
            assertThat(result.path("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(result.path("result").asString()).isEqualTo("pong");

            long start = System.nanoTime();
            JsonNode problem = api.post(tenant.admin(), path + "?wait=5", command("ping", null))
                    .expectProblem(504, "NOT_FINISHED_IN_TIME");
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(5));
            assertThat(status(path, problem.path("command_id").asString())).isEqualTo("SENT");
        } finally {
            c.disconnect();
        }
    }

    private String status(String path, String id) {
        return api.get(tenant.admin(), path + "/" + id).expect(200).path("status").asString();
    }

    private JsonNode awaitStatus(String path, String id, String status) {
        return Await.until(Duration.ofSeconds(10), "command " + id + " " + status,
                () -> api.get(tenant.admin(), path + "/" + id).expect(200),
                c -> c.path("status").asString().equals(status));
    }

    private Mqtt5BlockingClient connect(KeyDevice d) {
        Mqtt5BlockingClient c;
        try {
            c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                    .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers())
                    .applySslConfig().buildBlocking();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        c.connectWith().simpleAuth().username(d.id()).password(bytes(d.key())).applySimpleAuth().send();
        return c;
    }

    private static JsonNode next(Mqtt5BlockingClient.Mqtt5Publishes publishes, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Optional<Mqtt5Publish> p = publishes.receive(200, TimeUnit.MILLISECONDS);
            if (p.isPresent() && p.get().getTopic().toString().equals(topic)) {
                return JSON.readTree(p.get().getPayloadAsBytes());
            }
        }
        throw new AssertionError("nothing on " + topic + " within 10 s");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
