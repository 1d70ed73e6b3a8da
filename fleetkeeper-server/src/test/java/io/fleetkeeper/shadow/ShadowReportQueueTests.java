package io.fleetkeeper.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.file.Files;
import java.util.ArrayList;
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
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        try (ReportingDevice device = ReportingDevice.connect(devices, d, endpoint.port(), UPDATES)) {
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
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
                for (int k = 1; k <= UPDATES; k++) { // each returns after its PUBACK: the server has taken it
                    device.update("{\"state\":{\"reported\":{\"n\":" + k + "}},\"client_token\":\"t" + k + "\"}");
                }
            } finally {
                release.countDown();
            }
            holder.get(30, TimeUnit.SECONDS);
            assertThat(device.await()).as("every update answered: %s", device.replies()).isTrue();
            for (ReportingDevice.Reply r : device.replies()) {
                if (r.accepted()) {
                    accepted.add(r.body().path("client_token").asString() + " v" + r.body().path("version").asLong());
                } else {
                    assertThat(r.body().path("status").asInt()).isEqualTo(429);
                    assertThat(r.body().path("code").asString()).isEqualTo("RATE_LIMITED");
                    refused.add(r.body().path("client_token").asString());
                }
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
}
