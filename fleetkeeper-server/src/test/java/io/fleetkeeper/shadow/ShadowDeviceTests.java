package io.fleetkeeper.shadow;

import static io.fleetkeeper.shadow.ShadowApiTests.desired;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MosquittoClients;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device's side of the shadow: the HTTPS device API with a device key, and MQTT over TLS with an
 * independent client (HiveMQ's), end to end with the operator's HTTP API.
 */
class ShadowDeviceTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private MqttEndpoint endpoint;
    @Autowired
    private DeviceListener listener;
    @Autowired
    private ShadowService shadows;
    @Autowired
    private ApplicationContext context;

    private MqttDevices devices;
    private TestTenant tenant;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
    }

    @Test
    void deviceReadsItsShadowAndReportsOverHttpsWithItsDeviceKey() {
        KeyDevice d = devices.keyDevice(tenant, "meter");
        String path = "/api/v1/devices/" + d.id();
        DevicePort device = new DevicePort(api, listener.port());
        Map<String, String> key = Map.of("X-Device-Key", d.key());
        device.call("GET", "/device/v1/shadow", key, null).expectProblem(404, "NOT_FOUND");
        api.patch(tenant.admin(), path + "/shadow", desired("{\"rate\":5,\"led\":\"on\"}"), null).expect(200);

        JsonNode delta = device.call("GET", "/device/v1/shadow/delta", key, null).expect(200);
        assertThat(delta.path("state").toString()).isEqualTo("{\"rate\":5,\"led\":\"on\"}");
        device.call("PATCH", "/device/v1/shadow", key, "{\"state\":{\"desired\":{\"rate\":1}}}")
                .expectProblem(403, "FORBIDDEN");
        device.call("PATCH", "/device/v1/shadow", key, "{\"state\":{\"reported\":{\"rate\":5}},\"version\":9}")
                .expectProblem(409, "VERSION_CONFLICT");
        JsonNode reported = device.call("PATCH", "/device/v1/shadow", key,
                "{\"state\":{\"reported\":{\"rate\":5,\"led\":\"on\"}},\"version\":1}").expect(200);
        assertThat(reported.path("version").asLong()).isEqualTo(2);
        assertThat(reported.path("state").path("delta").isEmpty()).isTrue();
        assertThat(api.get(tenant.admin(), path + "/shadow/delta").expect(200).path("state").isEmpty()).isTrue();

        device.call("GET", "/device/v1/shadow", Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
        device.call("GET", "/device/v1/shadow", Map.of("X-Device-Key", "dvc_wrong"), null)
                .expectProblem(401, "UNAUTHENTICATED");
        JsonNode events = api.get(tenant.admin(), path + "/events").expect(200).path("items");
        assertThat(events.get(0).path("type").asString()).isEqualTo("SHADOW-UPDATED");
        assertThat(events.get(0).path("actor").asString()).isEqualTo("device:" + d.id());
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=shadow.update&target_id=" + d.id()).expect(200)
                .path("items")).hasSize(1); // the operator's write only
    }

    @Test
    void deviceWithACertificateReportsOverHttps() throws Exception {
        devices.cas(tenant);
        CertDevice d = devices.certDevice(tenant, "gauge");
        api.patch(tenant.admin(), "/api/v1/devices/" + d.id() + "/shadow", desired("{\"unit\":\"bar\"}"), null)
                .expect(200);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(d.keyManagers().getKeyManagers(), devices.trustManagers().getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
        URI base = URI.create("https://localhost:" + listener.port());
        HttpResponse<String> delta = client.send(HttpRequest.newBuilder(base.resolve("/device/v1/shadow/delta")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(delta.statusCode()).as(delta.body()).isEqualTo(200);
        assertThat(JSON.readTree(delta.body()).path("state").path("unit").asString()).isEqualTo("bar");
        HttpResponse<String> report = client.send(HttpRequest.newBuilder(base.resolve("/device/v1/shadow"))
                .header("Content-Type", "application/json").header("If-Match", "\"1\"")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"state\":{\"reported\":{\"unit\":\"bar\"}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
        assertThat(report.headers().firstValue("ETag")).contains("\"2\"");
        assertThat(JSON.readTree(report.body()).path("state").path("delta").isEmpty()).isTrue();
    }

    @Test
    void mosquittoSubGetsTheCurrentDeltaAsSoonAsItSubscribes() throws Exception {
        MosquittoClients.assumeInstalled();
        KeyDevice d = devices.keyDevice(tenant, "heater");
        api.patch(tenant.admin(), "/api/v1/devices/" + d.id() + "/shadow", desired("{\"target\":19}"), null)
                .expect(200);
        var sub = new MosquittoClients(endpoint.port()).sub(MosquittoClients.deviceKey(d),
                "-t", "fk/" + d.id() + "/shadow/update/delta", "-q", "1", "-C", "1", "-W", "15").await(20);
        String output = sub.output(); // the stream can be read once
        assertThat(sub.exitCode()).as(output).isZero();
        JsonNode delta = JSON.readTree(output);
        assertThat(delta.path("state").toString()).isEqualTo("{\"target\":19}");
        assertThat(delta.path("version").asLong()).isEqualTo(1);
    }

    @Test
    void reportsOverMqttAreWrittenAgainAfterTheShadowTopicsStopAndStartAgain() throws Exception {
        // A stopped context can start again (Spring's test framework pauses and resumes cached contexts so).
        SmartLifecycle topics = (SmartLifecycle) context.getBean("shadowTopics");
        topics.stop();
        topics.start();
        KeyDevice d = devices.keyDevice(tenant, "restarted");
        String ns = "fk/" + d.id() + "/";
        Mqtt5BlockingClient c = connect(d);
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "shadow/update/+").qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(ns + "shadow/update").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"state\":{\"reported\":{\"on\":true}},\"client_token\":\"again\"}")).send();
            JsonNode accepted = next(publishes, ns + "shadow/update/accepted");
            assertThat(accepted.path("client_token").asString()).isEqualTo("again");
            assertThat(accepted.path("version").asLong()).isEqualTo(1);
        } finally {
            c.disconnect();
        }
    }

    @Test
    void anOperatorWriteToADeviceConnectedWithoutSubscriptionsIsAnswered() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "unsubscribed");
        Mqtt5BlockingClient c = connect(d); // connected, subscribed to nothing
        try {
            JsonNode written = api.patch(tenant.admin(), "/api/v1/devices/" + d.id() + "/shadow",
                    Map.of("state", Map.of("desired", Map.of("on", true))), null).expect(200);
            assertThat(written.path("version").asLong()).isEqualTo(1);
        } finally {
            c.disconnect();
        }
    }

    @Test
    void operatorDesiredReachesTheConnectedDeviceWhichReportsOverMqttAndTheDeltaEmpties() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        String path = "/api/v1/devices/" + d.id();
        String ns = "fk/" + d.id() + "/";
        Mqtt5BlockingClient c = connect(d);
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "shadow/update/+").qos(MqttQos.AT_LEAST_ONCE).send();
            c.subscribeWith().topicFilter(ns + "shadow/get/+").qos(MqttQos.AT_LEAST_ONCE).send();

            api.patch(tenant.admin(), path + "/shadow", desired("{\"target\":{\"temp\":21},\"mode\":\"heat\"}"), null)
                    .expect(200);
            JsonNode delta = next(publishes, ns + "shadow/update/delta");
            assertThat(delta.path("version").asLong()).isEqualTo(1);
            assertThat(delta.path("state").toString()).isEqualTo("{\"target\":{\"temp\":21},\"mode\":\"heat\"}");

            c.publishWith().topic(ns + "shadow/update").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"state\":{\"reported\":{\"target\":{\"temp\":21},\"mode\":\"heat\"}},"
                            + "\"client_token\":\"r-1\"}")).send();
            // the documents (sent after commit) come before the accepted reply
            JsonNode documents = next(publishes, ns + "shadow/update/documents");
            assertThat(documents.path("previous").path("version").asLong()).isEqualTo(1);
            assertThat(documents.path("previous").path("state").path("desired").path("mode").asString())
                    .isEqualTo("heat");
            assertThat(documents.path("current").path("version").asLong()).isEqualTo(2);
            assertThat(documents.path("current").path("state").path("reported").path("mode").asString())
                    .isEqualTo("heat");
            assertThat(documents.path("client_token").asString()).isEqualTo("r-1");
            JsonNode accepted = next(publishes, ns + "shadow/update/accepted");
            assertThat(accepted.path("client_token").asString()).isEqualTo("r-1");
            assertThat(accepted.path("version").asLong()).isEqualTo(2);
            assertThat(accepted.path("state").path("delta").isEmpty()).isTrue();

            JsonNode shadow = api.get(tenant.admin(), path + "/shadow").expect(200);
            assertThat(shadow.path("state").path("delta").isEmpty()).isTrue();
            assertThat(shadow.path("state").path("reported").path("mode").asString()).isEqualTo("heat");

            c.publishWith().topic(ns + "shadow/update").payload(bytes("{\"state\":{\"desired\":{\"mode\":\"off\"}}}"))
                    .send();
            JsonNode rejected = next(publishes, ns + "shadow/update/rejected");
            assertThat(rejected.path("status").asInt()).isEqualTo(403);
            c.publishWith().topic(ns + "shadow/update").payload(bytes("not json")).send();
            assertThat(next(publishes, ns + "shadow/update/rejected").path("code").asString())
                    .isEqualTo("MALFORMED_REQUEST");

            c.publishWith().topic(ns + "shadow/get").payload(bytes("{\"client_token\":\"g-1\"}")).send();
            JsonNode got = next(publishes, ns + "shadow/get/accepted");
            assertThat(got.path("version").asLong()).isEqualTo(2);
            assertThat(got.path("client_token").asString()).isEqualTo("g-1");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void deviceThatWasOfflineGetsTheCurrentDeltaWhenItSubscribes() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "valve");
        String path = "/api/v1/devices/" + d.id();
        String ns = "fk/" + d.id() + "/";
        api.patch(tenant.admin(), path + "/shadow", desired("{\"open\":true}"), null).expect(200);
        api.patch(tenant.admin(), path + "/shadow/firmware", desired("{\"version\":\"2.1\"}"), null).expect(200);
        api.patch(tenant.admin(), path + "/shadow/quiet", desired("{\"x\":1}"), null).expect(200);

        Mqtt5BlockingClient c = connect(d);
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "shadow/update/delta").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(next(publishes, ns + "shadow/update/delta").path("state").path("open").asBoolean()).isTrue();
            c.subscribeWith().topicFilter(ns + "shadow/name/firmware/update/delta").qos(MqttQos.AT_LEAST_ONCE).send();
            JsonNode named = next(publishes, ns + "shadow/name/firmware/update/delta");
            assertThat(named.path("name").asString()).isEqualTo("firmware");
            assertThat(named.path("state").path("version").asString()).isEqualTo("2.1");

            c.publishWith().topic(ns + "shadow/name/nothing/get").payload(new byte[0]).send();
            c.subscribeWith().topicFilter(ns + "shadow/name/nothing/get/rejected").qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(ns + "shadow/name/nothing/get").payload(new byte[0]).send();
            assertThat(next(publishes, ns + "shadow/name/nothing/get/rejected").path("status").asInt()).isEqualTo(404);
            // no delta of "quiet" arrived: the device never subscribed to it
        } finally {
            c.disconnect();
        }
    }

    @Test
    void devicesReportingAtOnceAreWrittenTogetherEachInItsOrderAndABadReportFailsAlone() throws Exception {
        createType(tenant.admin(), "sensor");
        api.call("PUT", "/api/v1/device-types/sensor/shadow-schema").token(tenant.admin())
                .body("{\"reported\":{\"type\":\"object\",\"properties\":{\"seq\":{\"type\":\"integer\"}}}}").send()
                .expect(200);
        long failedWhole = shadows.batchesFailedWhole();
        int devicesN = 6;
        int updates = 12;
        List<KeyDevice> ds = new ArrayList<>();
        List<Mqtt5BlockingClient> clients = new ArrayList<>();
        Map<String, List<String>> replies = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(devicesN * updates);
        try {
            for (int i = 0; i < devicesN; i++) {
                KeyDevice d = devices.keyDevice(tenant, "r" + i);
                ds.add(d);
                Mqtt5BlockingClient c = connect(d);
                clients.add(c);
                List<String> mine = Collections.synchronizedList(new ArrayList<>());
                replies.put(d.id(), mine);
                c.toAsync().subscribeWith().topicFilter("fk/" + d.id() + "/shadow/update/+")
                        .qos(MqttQos.AT_LEAST_ONCE).callback(p -> {
                            String topic = p.getTopic().toString();
                            if (topic.endsWith("/accepted") || topic.endsWith("/rejected")) {
                                JsonNode body = JSON.readTree(p.getPayloadAsBytes());
                                mine.add(body.path("client_token").asString() + " "
                                        + (topic.endsWith("/accepted") ? "v" + body.path("version").asLong()
                                        : body.path("code").asString()));
                                all.countDown();
                            }
                        }).send().get(10, TimeUnit.SECONDS);
            }
            // every device sends all its updates at once, device 0 a schema violation and device 1 a stale
            // version and a malformed payload among them
            for (int k = 1; k <= updates; k++) {
                for (int i = 0; i < devicesN; i++) {
                    String body = "{\"state\":{\"reported\":{\"seq\":" + k + "}},\"client_token\":\"t" + k + "\"}";
                    if (i == 0 && k == 5) {
                        body = "{\"state\":{\"reported\":{\"seq\":\"five\"}},\"client_token\":\"t5\"}";
                    } else if (i == 1 && k == 6) {
                        body = "{\"state\":{\"reported\":{\"seq\":6}},\"version\":1,\"client_token\":\"t6\"}";
                    } else if (i == 1 && k == 7) {
                        body = "{\"client_token\":\"t7\", not json";
                    }
                    clients.get(i).toAsync().publishWith().topic("fk/" + ds.get(i).id() + "/shadow/update")
                            .qos(MqttQos.AT_LEAST_ONCE).payload(bytes(body)).send();
                }
            }
            assertThat(all.await(30, TimeUnit.SECONDS)).as("every update answered").isTrue();
            assertThat(shadows.batchesFailedWhole()).as("no batch fell back to single writes").isEqualTo(failedWhole);
        } finally {
            clients.forEach(Mqtt5BlockingClient::disconnect);
        }
        for (int i = 0; i < devicesN; i++) {
            List<String> expected = new ArrayList<>();
            long version = 0;
            for (int k = 1; k <= updates; k++) {
                if (i == 0 && k == 5) {
                    expected.add("t5 VALIDATION_FAILED");
                } else if (i == 1 && k == 6) {
                    expected.add("t6 VERSION_CONFLICT");
                } else if (i == 1 && k == 7) {
                    expected.add(" MALFORMED_REQUEST");
                } else {
                    expected.add("t" + k + " v" + ++version);
                }
            }
            assertThat(replies.get(ds.get(i).id())).as("replies of device %d, in order", i)
                    .containsExactlyElementsOf(expected);
            String path = "/api/v1/devices/" + ds.get(i).id();
            JsonNode shadow = api.get(tenant.admin(), path + "/shadow").expect(200);
            assertThat(shadow.path("version").asLong()).isEqualTo(version);
            assertThat(shadow.path("state").path("reported").path("seq").asInt()).isEqualTo(updates);
            JsonNode history = api.get(tenant.admin(), path + "/shadow/history").expect(200).path("items");
            assertThat(history.get(0).path("version").asLong()).isEqualTo(version);
            assertThat(history.get(0).path("actor").asString()).isEqualTo("device:" + ds.get(i).id());
            JsonNode events = api.get(tenant.admin(), path + "/events?limit=100").expect(200).path("items");
            assertThat(events.valueStream().filter(e -> e.path("type").asString().equals("SHADOW-UPDATED")))
                    .hasSize((int) version);
        }
    }

    private Mqtt5BlockingClient connect(KeyDevice d) throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(bytes(d.key())).applySimpleAuth().send();
        return c;
    }

    /** The next message on {@code topic} (others are skipped), within 10 s. */
    private static JsonNode next(Mqtt5BlockingClient.Mqtt5Publishes publishes, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Optional<Mqtt5Publish> p = publishes.receive(200, TimeUnit.MILLISECONDS);
            if (p.isPresent()) {
                if (p.get().getTopic().toString().equals(topic)) {
                    return JSON.readTree(p.get().getPayloadAsBytes());
                }
                if (p.get().getTopic().toString().contains("/name/quiet/")) {
                    throw new AssertionError("unexpected " + p.get().getTopic());
                }
            }
        }
        throw new AssertionError("nothing on " + topic + " within 10 s");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
