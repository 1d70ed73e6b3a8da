package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The server enforces a campaign's maintenance window: outside it a device may download, but its report that it
 * starts installing is refused (HTTPS and DDI: 409 MAINTENANCE_WINDOW_CLOSED with {@code next_open}; MQTT: the same
 * code on {@code status/rejected}) and its execution stays DOWNLOADED; once the window opens it installs. A device
 * already installing when the window closes finishes. A Spring context of its own: the window is judged on the
 * application clock, which the test moves (hours), and the shared context's clock cannot move for every other test.
 * The job runner runs on the same clock.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + MaintenanceWindowEnforcementTests.PLATFORM_TOKEN,
        "fleetkeeper.mqtt.port=0", "fleetkeeper.pki.scheduler-delay-ms=3600000",
        "fleetkeeper.jobs.tick-interval=200ms"})
class MaintenanceWindowEnforcementTests {

    static final String PLATFORM_TOKEN = "fk_test-platform-operator-ota-window-0123456789abcdef";
    static final MutableClock CLOCK = new MutableClock(Instant.now());
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final DateTimeFormatter HHMM = DateTimeFormatter.ofPattern("HH:mm");

    @TestConfiguration
    static class Clocks {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-ota-window").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired DeviceListener listener;
    @Autowired MqttEndpoint endpoint;
    @LocalServerPort int port;

    private Api api;
    private TestTenant tenant;
    private MqttDevices devices;
    private DevicePort device;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        tenant = TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
        devices = new MqttDevices(api);
        device = new DevicePort(api, listener.port());
    }

    /** A window from an hour before the test clock to an hour after it, every day (UTC); open now. */
    private record Window(Map<String, String> body, Instant nextOpenAfterClosing) {
    }

    private static Window openWindow() {
        Instant now = CLOCK.instant();
        Instant from = now.minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MINUTES);
        return new Window(Map.of("from", HHMM.format(from.atZone(ZoneOffset.UTC)), "to",
                HHMM.format(now.plus(Duration.ofHours(1)).atZone(ZoneOffset.UTC))), from.plus(Duration.ofDays(1)));
    }

    /** A staged campaign over the devices named {@code prefix*}, inside {@code window}; its id. */
    private String campaign(String prefix, Window window) {
        String fw = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "7.0")).expect(201)
                .path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + fw + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString("image")).send().expect(201);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("firmware_id", fw);
        body.put("target", Map.of("query", "name = \"" + prefix + "*\""));
        body.put("maintenance_window", window.body());
        body.put("timeout_seconds", 3 * 86_400);
        return api.post(tenant.admin(), "/api/v1/ota/campaigns", body).expect(201).path("id").asString();
    }

    private String status(String campaignId, KeyDevice d) {
        return api.get(tenant.admin(), "/api/v1/ota/campaigns/" + campaignId + "/devices?limit=100").expect(200)
                .path("items").valueStream().filter(a -> a.path("device_id").asString().equals(d.id())).findFirst()
                .map(a -> a.path("status").asString()).orElse("not offered");
    }

    private void awaitStatus(String campaignId, KeyDevice d, String status) {
        Await.until(WAIT, d.id() + " to be " + status, () -> status(campaignId, d), status::equals);
    }

    /** The device's manifest over HTTPS polling, once the job has offered it the update. */
    private JsonNode manifest(KeyDevice d) {
        return Await.until(WAIT, "the update offered to " + d.id(), () -> device.call("GET", "/device/v1/ota/next",
                key(d), null), r -> r.status() == 200).json();
    }

    private static Map<String, String> key(KeyDevice d) {
        return Map.of("X-Device-Key", d.key());
    }

    private static Map<String, String> report(String status) {
        return Map.of("status", status);
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String payload) {
        c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    @Test
    void outsideTheWindowAnInstallIsRefusedOverHttpsAndMqttAndStartsOnceItOpens() throws Exception {
        Window window = openWindow();
        KeyDevice h = devices.keyDevice(tenant, "w-https");
        KeyDevice m = devices.keyDevice(tenant, "w-mqtt");
        KeyDevice busy = devices.keyDevice(tenant, "w-busy");
        String campaignId = campaign("w-", window);
        String ns = "fk/" + m.id() + "/";
        Mqtt5BlockingClient c = devices.connect(m, endpoint.port());
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "ota/notify").qos(MqttQos.AT_LEAST_ONCE).send();
            c.subscribeWith().topicFilter(ns + "ota/+/status/rejected").qos(MqttQos.AT_MOST_ONCE).send();
            JsonNode notified = JSON.readTree(MqttDevices.next(publishes, ns + "ota/notify").getPayloadAsBytes());
            assertThat(notified.path("maintenance_window").asString()).isEqualTo("available");
            String mqttStatus = ns + "ota/" + notified.path("execution_id").asLong() + "/status";
            publish(c, mqttStatus, "{\"status\":\"DOWNLOADED\"}");

            String https = "/device/v1/ota/" + manifest(h).path("execution_id").asLong() + "/status";
            device.post(https, key(h), report("DOWNLOADED")).expect(200);
            String busyStatus = "/device/v1/ota/" + manifest(busy).path("execution_id").asLong() + "/status";
            device.post(busyStatus, key(busy), report("DOWNLOADED")).expect(200);
            device.post(busyStatus, key(busy), Map.of("status", "INSTALLING", "progress", 10)).expect(200);
            awaitStatus(campaignId, m, "DOWNLOADED");

            CLOCK.advance(Duration.ofHours(2)); // the window closed an hour ago
            JsonNode skip = device.call("GET", "/device/v1/ota/next", key(h), null).expect(200);
            assertThat(skip.path("maintenance_window").asString()).isEqualTo("unavailable");
            assertThat(skip.path("update").asString()).isEqualTo("skip");
            JsonNode refused = device.post(https, key(h), report("INSTALLING")).expectProblem(409,
                    "MAINTENANCE_WINDOW_CLOSED");
            assertThat(Instant.parse(refused.path("next_open").asString())).isEqualTo(window.nextOpenAfterClosing());
            assertThat(refused.path("detail").asString()).contains(window.nextOpenAfterClosing().toString());
            assertThat(status(campaignId, h)).isEqualTo("DOWNLOADED");
            device.post(https, key(h), report("DOWNLOADED")).expect(200); // reports that start nothing still pass

            publish(c, mqttStatus, "{\"status\":\"INSTALLING\",\"progress\":0}");
            JsonNode rejected = JSON.readTree(MqttDevices.next(publishes, mqttStatus + "/rejected")
                    .getPayloadAsBytes());
            assertThat(rejected.path("code").asString()).isEqualTo("MAINTENANCE_WINDOW_CLOSED");
            assertThat(Instant.parse(rejected.path("next_open").asString())).isEqualTo(window.nextOpenAfterClosing());
            assertThat(status(campaignId, m)).isEqualTo("DOWNLOADED");

            // The device that was installing when the window closed goes on to the end.
            device.post(busyStatus, key(busy), Map.of("status", "INSTALLING", "progress", 80)).expect(200);
            assertThat(device.post(busyStatus, key(busy), Map.of("status", "SUCCEEDED", "version", "7.0"))
                    .expect(200).path("status").asString()).isEqualTo("SUCCEEDED");

            CLOCK.advance(Duration.between(CLOCK.instant(), window.nextOpenAfterClosing())); // the window opens
            assertThat(device.call("GET", "/device/v1/ota/next", key(h), null).expect(200).path("update")
                    .asString()).isEqualTo("forced");
            assertThat(device.post(https, key(h), report("INSTALLING")).expect(200).path("status").asString())
                    .isEqualTo("INSTALLING");
            publish(c, mqttStatus, "{\"status\":\"INSTALLING\",\"progress\":0}");
            awaitStatus(campaignId, m, "INSTALLING");
            publish(c, mqttStatus, "{\"status\":\"SUCCEEDED\",\"version\":\"7.0\"}");
            awaitStatus(campaignId, m, "SUCCEEDED");
            assertThat(device.post(https, key(h), Map.of("status", "SUCCEEDED", "version", "7.0")).expect(200)
                    .path("status").asString()).isEqualTo("SUCCEEDED");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void aDdiClientIsRefusedTheInstallOutsideTheWindowAndInstallsOnceItOpens() {
        Window window = openWindow();
        KeyDevice d = devices.keyDevice(tenant, "ddi-1");
        String campaignId = campaign("ddi-", window);
        Map<String, String> auth = Map.of("Authorization", "TargetToken " + d.key(), "Accept", "application/hal+json");
        String base = "/" + tenant.id() + "/controller/v1/" + d.id();
        String href = Await.until(WAIT, "the deployment offered", () -> device.call("GET", base, auth, null)
                .expect(200).path("_links").path("deploymentBase").path("href").asString(), h -> !h.isEmpty());
        String path = URI.create(href).getRawPath();
        assertThat(device.call("GET", path, auth, null).expect(200).path("deployment").path("maintenanceWindow")
                .asString()).isEqualTo("available");
        device.post(path + "/feedback", auth, feedback("proceeding", "none")).expect(200);
        device.post(path + "/feedback", auth, feedback("downloaded", "none")).expect(200);
        assertThat(status(campaignId, d)).isEqualTo("DOWNLOADED");

        CLOCK.advance(Duration.ofHours(2));
        JsonNode deployment = device.call("GET", path, auth, null).expect(200).path("deployment");
        assertThat(deployment.path("maintenanceWindow").asString()).isEqualTo("unavailable");
        assertThat(deployment.path("update").asString()).isEqualTo("skip");
        JsonNode refused = device.post(path + "/feedback", auth, feedback("proceeding", "none"))
                .expectProblem(409, "MAINTENANCE_WINDOW_CLOSED");
        assertThat(Instant.parse(refused.path("next_open").asString())).isEqualTo(window.nextOpenAfterClosing());
        assertThat(status(campaignId, d)).isEqualTo("DOWNLOADED");

        CLOCK.advance(Duration.between(CLOCK.instant(), window.nextOpenAfterClosing()));
        assertThat(device.call("GET", path, auth, null).expect(200).path("deployment").path("maintenanceWindow")
                .asString()).isEqualTo("available");
        device.post(path + "/feedback", auth, feedback("proceeding", "none")).expect(200);
        assertThat(status(campaignId, d)).isEqualTo("INSTALLING");
        device.post(path + "/feedback", auth, feedback("closed", "success")).expect(200);
        assertThat(status(campaignId, d)).isEqualTo("SUCCEEDED");
    }

    private static Map<String, Object> feedback(String execution, String finished) {
        return Map.of("status", Map.of("execution", execution, "result", Map.of("finished", finished),
                "details", List.of("from the test")));
    }
}
