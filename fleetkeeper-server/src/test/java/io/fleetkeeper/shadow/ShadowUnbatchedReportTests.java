package io.fleetkeeper.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device reported updates over MQTT with {@code report-batch-size} 1: each update is written alone (no group
 * commit), and still answered, stored with its history and refused alone when malformed. A Spring context of its
 * own: the setting decides at start-up how updates are taken.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + ShadowUnbatchedReportTests.PLATFORM_TOKEN,
        "fleetkeeper.mqtt.port=0", "fleetkeeper.pki.scheduler-delay-ms=3600000",
        "fleetkeeper.jobs.runner-enabled=false", "fleetkeeper.shadow.report-batch-size=1"})
class ShadowUnbatchedReportTests {

    static final String PLATFORM_TOKEN = "fk_test-platform-operator-shadow-unbatched-0123456789";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-shadow-unbatched").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired MqttEndpoint endpoint;
    @LocalServerPort int port;

    @Test
    void eachReportedUpdateIsWrittenAloneAndAnswered() throws Exception {
        Api api = new Api(port);
        TestTenant tenant = TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
        MqttDevices devices = new MqttDevices(api);
        KeyDevice d = devices.keyDevice(tenant, "solo");
        String ns = "fk/" + d.id() + "/";
        List<String> replies = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(4);
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(bytes(d.key())).applySimpleAuth().send();
        try {
            c.toAsync().subscribeWith().topicFilter(ns + "shadow/update/+").qos(MqttQos.AT_LEAST_ONCE).callback(p -> {
                String topic = p.getTopic().toString();
                if (topic.endsWith("/accepted") || topic.endsWith("/rejected")) {
                    JsonNode body = JSON.readTree(p.getPayloadAsBytes());
                    replies.add(topic.endsWith("/accepted") ? "v" + body.path("version").asLong() + " "
                            + body.path("client_token").asString() : body.path("code").asString());
                    all.countDown();
                }
            }).send().get(10, TimeUnit.SECONDS);
            for (int k = 1; k <= 3; k++) {
                c.publishWith().topic(ns + "shadow/update").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("{\"state\":{\"reported\":{\"k" + k + "\":" + k + "}},\"client_token\":\"t"
                                + k + "\"}")).send();
            }
            c.publishWith().topic(ns + "shadow/update").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("not json")).send();
            assertThat(all.await(30, TimeUnit.SECONDS)).as("every update answered: %s", replies).isTrue();
        } finally {
            c.disconnect();
        }
        // written alone, each on a thread of its own: versions follow the order of the writes, not of the sends
        assertThat(replies).hasSize(4).contains("MALFORMED_REQUEST");
        assertThat(replies.stream().filter(r -> r.startsWith("v")).map(r -> r.substring(0, 2)))
                .containsExactlyInAnyOrder("v1", "v2", "v3");
        assertThat(replies.stream().filter(r -> r.startsWith("v")).map(r -> r.substring(3)))
                .containsExactlyInAnyOrder("t1", "t2", "t3");
        String path = "/api/v1/devices/" + d.id() + "/shadow";
        JsonNode shadow = api.get(tenant.admin(), path).expect(200);
        assertThat(shadow.path("version").asLong()).isEqualTo(3);
        assertThat(shadow.path("state").path("reported").toString()).contains("\"k1\":1", "\"k2\":2", "\"k3\":3");
        JsonNode history = api.get(tenant.admin(), path + "/history").expect(200).path("items");
        assertThat(history.valueStream().map(v -> v.path("version").asLong() + " " + v.path("actor").asString()))
                .containsExactly("3 device:" + d.id(), "2 device:" + d.id(), "1 device:" + d.id());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
