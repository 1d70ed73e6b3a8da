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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device reported updates over MQTT when more wait for the writer than {@code report-queue-size}: the excess is
 * refused with {@code 429 RATE_LIMITED} on {@code update/rejected} and nothing of it is written, so no update is
 * written before the device's earlier ones. The writer is held by a transaction that keeps SQLite's write lock.
 * A Spring context of its own: the queue's size is read at start-up.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + ShadowReportQueueTests.PLATFORM_TOKEN,
        "fleetkeeper.mqtt.port=0", "fleetkeeper.pki.scheduler-delay-ms=3600000",
        "fleetkeeper.jobs.runner-enabled=false", "fleetkeeper.shadow.report-queue-size=2"})
class ShadowReportQueueTests {

    static final String PLATFORM_TOKEN = "fk_test-platform-operator-shadow-report-queue-0123456789";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int UPDATES = 8;

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-shadow-queue").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired MqttEndpoint endpoint;
    @Autowired PlatformTransactionManager transactions;
    @LocalServerPort int port;

    @Test
    void updatesBeyondTheQueueAreRefusedAndNothingOvertakes() throws Exception {
        Api api = new Api(port);
        TestTenant tenant = TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
        MqttDevices devices = new MqttDevices(api);
        KeyDevice d = devices.keyDevice(tenant, "queued");
        String ns = "fk/" + d.id() + "/";
        List<JsonNode> replies = Collections.synchronizedList(new ArrayList<>());
        List<String> kinds = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(UPDATES);
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(bytes(d.key())).applySimpleAuth().send();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> new TransactionTemplate(transactions)
                .executeWithoutResult(tx -> { // holds the store's write lock: the writer waits for it
                    held.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
        try {
            c.toAsync().subscribeWith().topicFilter(ns + "shadow/update/+").qos(MqttQos.AT_LEAST_ONCE).callback(p -> {
                String topic = p.getTopic().toString();
                if (topic.endsWith("/accepted") || topic.endsWith("/rejected")) {
                    kinds.add(topic.endsWith("/accepted") ? "accepted" : "rejected");
                    replies.add(JSON.readTree(p.getPayloadAsBytes()));
                    all.countDown();
                }
            }).send().get(10, TimeUnit.SECONDS);
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            for (int k = 1; k <= UPDATES; k++) { // each publish returns after its PUBACK: the server has taken it
                c.publishWith().topic(ns + "shadow/update").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("{\"state\":{\"reported\":{\"n\":" + k + "}},\"client_token\":\"t" + k + "\"}"))
                        .send();
            }
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
            assertThat(all.await(30, TimeUnit.SECONDS)).as("every update answered: %s", replies).isTrue();
        } finally {
            release.countDown();
            c.disconnect();
        }
        List<String> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < replies.size(); i++) {
            JsonNode r = replies.get(i);
            if (kinds.get(i).equals("accepted")) {
                accepted.add(r.path("client_token").asString() + " v" + r.path("version").asLong());
            } else {
                assertThat(r.path("status").asInt()).isEqualTo(429);
                assertThat(r.path("code").asString()).isEqualTo("RATE_LIMITED");
                refused.add(r.path("client_token").asString());
            }
        }
        // the writer's first batch and the two queued behind it are written, in the order sent; the rest refused
        int written = accepted.size();
        assertThat(written).isBetween(3, UPDATES - 1);
        List<String> expectedAccepted = new ArrayList<>();
        List<String> expectedRefused = new ArrayList<>();
        for (int k = 1; k <= UPDATES; k++) {
            (k <= written ? expectedAccepted : expectedRefused).add(k <= written ? "t" + k + " v" + k : "t" + k);
        }
        assertThat(accepted).containsExactlyElementsOf(expectedAccepted);
        assertThat(refused).containsExactlyInAnyOrderElementsOf(expectedRefused);
        JsonNode shadow = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/shadow").expect(200);
        assertThat(shadow.path("version").asLong()).isEqualTo(written);
        assertThat(shadow.path("state").path("reported").path("n").asInt()).isEqualTo(written);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
