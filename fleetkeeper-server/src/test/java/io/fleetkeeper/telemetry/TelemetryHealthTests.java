package io.fleetkeeper.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.device.DeviceHealthService;
import io.fleetkeeper.device.DeviceSensors;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.store.Leases;
import io.fleetkeeper.telemetry.internal.HealthEvaluator;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device health under an injected clock: devices are heard over HTTPS and MQTT for real, an evaluator with a clock
 * the test moves turns them ONLINE, STALE and OFFLINE, and operators see it in the device, its events, fleet
 * queries, the statistics and the aggregation.
 */
class TelemetryHealthTests extends ApiTest {

    @Autowired
    private MqttEndpoint endpoint;
    @Autowired
    private DeviceListener listener;
    @Autowired
    private ConnectionStateRecorder recorder;
    @Autowired
    private DeviceHealthService health;
    @Autowired
    private TelemetrySettingsService settings;
    @Autowired
    private Leases leases;
    @Autowired
    private TelemetryProperties props;
    @Autowired
    private JsonMapper json;
    @Autowired
    private DeviceSensors sensors;

    private MqttDevices devices;
    private TestTenant tenant;
    private DevicePort port;
    private MutableClock clock;
    private HealthEvaluator evaluator;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
        port = new DevicePort(api, listener.port());
        clock = new MutableClock(Instant.now());
        evaluator = new HealthEvaluator(health, settings, leases, props, json, clock, () -> sensors);
        api.call("PUT", "/api/v1/telemetry/settings").token(tenant.admin()).body(Map.of(
                "expected_interval_seconds", 60, "expected_intervals_by_type", Map.of("meter", 600))).send()
                .expect(200);
    }

    @Test
    void aDeviceHeardOverHttpsIsOnlineThenStaleThenOfflineAndOnlineAgainWhenHeard() {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        assertThat(device(d).path("health").asString()).isEqualTo("OFFLINE");

        heard(d);
        assertThat(device(d).path("health").asString()).isEqualTo("ONLINE");
        Instant lastSeen = Instant.parse(device(d).path("last_seen_at").asString());
        at(lastSeen.plusSeconds(59));
        evaluator.runNow();
        assertThat(device(d).path("health").asString()).isEqualTo("ONLINE");

        at(lastSeen.plusSeconds(61));
        evaluator.runNow();
        assertThat(device(d).path("health").asString()).isEqualTo("STALE");
        assertThat(ids("health = \"STALE\"")).containsExactly(d.id());
        clock.advance(Duration.ofSeconds(120));
        evaluator.runNow();
        assertThat(device(d).path("health").asString()).isEqualTo("OFFLINE");
        assertThat(ids("health = \"STALE\"")).isEmpty();
        assertThat(ids("health IN (\"OFFLINE\")")).containsExactly(d.id());

        // The server records when a device is heard by the real clock: the evaluator's clock comes back to it.
        clock = new MutableClock(Instant.now());
        evaluator = new HealthEvaluator(health, settings, leases, props, json, clock, () -> sensors);
        heard(d);
        assertThat(device(d).path("health").asString()).isEqualTo("ONLINE");
        JsonNode events = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events?type=HEALTH-CHANGED")
                .expect(200).path("items");
        assertThat(events.valueStream().map(e -> e.path("details").path("from").asString() + ">"
                + e.path("details").path("to").asString()).toList())
                .containsExactly("OFFLINE>ONLINE", "STALE>OFFLINE", "ONLINE>STALE", "OFFLINE>ONLINE");
        assertThat(events.get(1).path("details").path("expected_interval_seconds").asInt()).isEqualTo(60);
    }

    @Test
    void theExpectedIntervalOfADeviceTypeOverridesTheTenantsAndHealthIsCountedAndGrouped() {
        KeyDevice meter = keyDevice("meter");
        KeyDevice pump = devices.keyDevice(tenant, "pump");
        devices.keyDevice(tenant, "never-heard");
        heard(meter);
        heard(pump);
        clock.advance(Duration.ofMinutes(5));
        evaluator.runNow();
        assertThat(device(meter).path("health").asString()).isEqualTo("ONLINE");
        assertThat(device(pump).path("health").asString()).isEqualTo("OFFLINE");

        JsonNode stats = api.get(tenant.admin(), "/api/v1/stats/devices").expect(200);
        assertThat(stats.path("by_health").path("ONLINE").asLong()).isEqualTo(1);
        assertThat(stats.path("by_health").path("OFFLINE").asLong()).isEqualTo(2);
        JsonNode all = api.get(tenant.admin(), "/api/v1/fleet/aggregate?group_by=health").expect(200);
        assertThat(all.path("items").valueStream().map(b -> b.path("value").asString() + "=" + b.path("count"))
                .toList()).containsExactly("OFFLINE=2", "ONLINE=1");
        JsonNode sensors = api.get(tenant.admin(), "/api/v1/fleet/aggregate?group_by=health&query="
                + URLEncoder.encode("type = \"sensor\"", StandardCharsets.UTF_8)).expect(200);
        assertThat(sensors.path("items").valueStream().map(b -> b.path("value").asString() + "=" + b.path("count"))
                .toList()).containsExactly("OFFLINE=2");
        assertThat(ids("health = \"ONLINE\" AND type = \"meter\"")).containsExactly(meter.id());
    }

    @Test
    void aLiveMqttConnectionKeepsADeviceOnlineAndItsTelemetryCountsAsHeard() {
        KeyDevice d = devices.keyDevice(tenant, "gateway");
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(trust()).applySslConfig().buildBlocking();
        c.connectWith().keepAlive(600).simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        try {
            c.publishWith().topic("fk/" + d.id() + "/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"load\":0.5}".getBytes(StandardCharsets.UTF_8)).send();
            recorder.flush();
            catchUp();
            evaluator.runNow();
            assertThat(device(d).path("health").asString()).isEqualTo("ONLINE");
            clock.advance(Duration.ofMinutes(10));
            evaluator.runNow();
            assertThat(device(d).path("health").asString()).as("connected, though silent").isEqualTo("ONLINE");
        } finally {
            c.disconnect();
        }
        Await.until(Duration.ofSeconds(10), "the connection is recorded closed", () -> {
            recorder.flush();
            return !api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/connection").expect(200)
                    .path("connected").asBoolean();
        });
        clock.advance(Duration.ofMinutes(2));
        evaluator.runNow();
        assertThat(device(d).path("health").asString()).as("silent for over three intervals since it disconnected")
                .isEqualTo("OFFLINE");
    }

    @Test
    void aSensorsIntervalDrivesHealthAndItsDefinitionCalibratesChecksAndFlagsReadings() {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        String sensor = "/api/v1/devices/" + d.id() + "/sensors";
        api.post(tenant.admin(), sensor, Map.of("key", "temp", "unit", "Cel", "data_type", "number", "min", 0,
                "max", 50, "expected_interval", 20)).expect(201);
        api.patch(tenant.admin(), sensor + "/temp", "{\"calibration_scale\":2,\"calibration_offset\":1}", null)
                .expect(200);

        heard(d);
        Instant lastSeen = Instant.parse(device(d).path("last_seen_at").asString());
        at(lastSeen.plusSeconds(19));
        evaluator.runNow();
        assertThat(device(d).path("health").asString()).isEqualTo("ONLINE");
        at(lastSeen.plusSeconds(21));
        evaluator.runNow();
        assertThat(device(d).path("health").asString()).as("the sensor's 20 s, not the tenant's 60 s")
                .isEqualTo("STALE");

        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), "{\"temp\":10,\"n\":5}").expect(202);
        assertThat(latest(d)).containsEntry("temp", "21.0").containsEntry("n", "5.0");
        JsonNode values = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry/latest").expect(200)
                .path("items");
        assertThat(values.valueStream().map(i -> i.path("metric").asString() + ":"
                + (i.path("unit").isNull() ? "-" : i.path("unit").asString()))).as("a sensor's unit beside its value")
                .contains("temp:Cel", "n:-");
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), "{\"temp\":30}").expect(202);
        assertThat(latest(d)).as("stored although out of range").containsEntry("temp", "61.0");
        JsonNode flagged = Await.until(Duration.ofSeconds(10), "the out-of-range event",
                () -> api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events?type=TELEMETRY-OUT-OF-RANGE")
                        .expect(200).path("items"), items -> items.size() == 1);
        JsonNode reading = flagged.get(0).path("details").path("readings").get(0);
        assertThat(reading.path("sensor").asString()).isEqualTo("temp");
        assertThat(reading.path("value").asDouble()).isEqualTo(61.0);
        assertThat(reading.path("max").asDouble()).isEqualTo(50.0);
        assertThat(reading.path("unit").asString()).isEqualTo("Cel");

        JsonNode refused = port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()),
                "{\"temp\":\"hot\",\"n\":6}").expectProblem(400, "VALIDATION_FAILED");
        assertThat(refused.path("errors").get(0).path("field").asString()).isEqualTo("/temp");
        assertThat(latest(d)).as("nothing of a refused message is stored").containsEntry("temp", "61.0")
                .containsEntry("n", "5.0");

        assertThat(ids("sensor.temp > 60")).containsExactly(d.id());
        assertThat(ids("sensor.temp < 60")).isEmpty();
        assertThat(ids("sensor.temp.unit = \"Cel\" AND sensor.temp.expected_interval = 20")).containsExactly(d.id());
        api.patch(tenant.admin(), sensor + "/temp", "{\"enabled\":false}", null).expect(200);
        assertThat(ids("sensor.temp > 60")).as("a disabled sensor has no readings").isEmpty();
        assertThat(ids("sensor.temp EXISTS AND sensor.temp.enabled = false")).containsExactly(d.id());
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), "{\"temp\":\"hot\"}").expect(202);
        assertThat(latest(d)).as("a disabled sensor's metric passes untouched").containsEntry("temp", "hot");
    }

    private Map<String, String> latest(KeyDevice d) {
        Map<String, String> out = new java.util.HashMap<>();
        api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry/latest").expect(200).path("items")
                .forEach(i -> out.put(i.path("metric").asString(), i.path("value").asString()));
        return out;
    }

    @Test
    void settingsRefuseIntervalsAndStreamRetentionsOutOfRange() {
        JsonNode problem = api.call("PUT", "/api/v1/telemetry/settings").token(tenant.admin()).body(Map.of(
                "expected_interval_seconds", 1, "expected_intervals_by_type", Map.of("meter", 0),
                "stream_retention_days", Map.of("diag", 400, "bad name", 1))).send()
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(problem.path("errors").valueStream().map(e -> e.path("field").asString()).toList())
                .contains("expected_interval_seconds", "expected_intervals_by_type/meter", "stream_retention_days/diag",
                        "stream_retention_days");
        JsonNode s = api.get(tenant.admin(), "/api/v1/telemetry/settings").expect(200);
        assertThat(s.path("expected_interval_seconds").asInt()).isEqualTo(60);
        assertThat(s.path("stream_retention_days").isEmpty()).isTrue();
        assertThatHealthQueryRefusesUnknownValues();
    }

    private void assertThatHealthQueryRefusesUnknownValues() {
        api.call("GET", "/api/v1/devices?query=" + URLEncoder.encode("health = \"GREEN\"", StandardCharsets.UTF_8))
                .token(tenant.admin()).send().expectProblem(400, "INVALID_QUERY");
    }

    /** The device posts telemetry over HTTPS; its last-seen time is flushed and the evaluator runs. */
    private void heard(KeyDevice d) {
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), "{\"n\":1}").expect(202);
        recorder.flush();
        catchUp();
        evaluator.runNow();
    }

    /** Brings the evaluator's clock up to the real time the server recorded a device heard at, if behind. */
    private void catchUp() {
        Instant now = Instant.now();
        if (clock.instant().isBefore(now)) {
            at(now);
        }
    }

    /** Moves the evaluator's clock to {@code t} (never back). */
    private void at(Instant t) {
        Duration ahead = Duration.between(clock.instant(), t);
        assertThat(ahead.isNegative()).isFalse();
        clock.advance(ahead);
    }

    private KeyDevice keyDevice(String type) {
        String id = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", type + "-1", "device_type", type))
                .expect(201).path("id").asString();
        String key = api.post(tenant.admin(), "/api/v1/devices/" + id + "/device-key/rotate", Map.of()).expect(200)
                .path("device_key").asString();
        return new KeyDevice(tenant, id, key, devices.caFile());
    }

    private JsonNode device(KeyDevice d) {
        return api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200);
    }

    private List<String> ids(String query) {
        return api.get(tenant.admin(), "/api/v1/devices?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))
                .expect(200).path("items").valueStream().map(i -> i.path("id").asString()).toList();
    }

    private javax.net.ssl.TrustManagerFactory trust() {
        try {
            return devices.trustManagers();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
