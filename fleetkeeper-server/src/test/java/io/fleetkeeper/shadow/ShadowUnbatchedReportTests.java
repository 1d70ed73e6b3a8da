package io.fleetkeeper.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

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
        List<String> replies;
        try (ReportingDevice device = ReportingDevice.connect(devices, d, endpoint.port(), 4)) {
            for (int k = 1; k <= 3; k++) {
                device.update("{\"state\":{\"reported\":{\"k" + k + "\":" + k + "}},\"client_token\":\"t" + k + "\"}");
            }
            device.update("not json");
            assertThat(device.await()).as("every update answered: %s", device.replies()).isTrue();
            replies = device.replies().stream().map(r -> r.accepted() ? "v" + r.body().path("version").asLong()
                    + " " + r.body().path("client_token").asString() : r.body().path("code").asString()).toList();
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
}
