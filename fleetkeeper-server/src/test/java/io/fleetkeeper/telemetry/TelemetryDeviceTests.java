package io.fleetkeeper.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MosquittoClients;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Telemetry end to end: devices publish over MQTT (Mosquitto's client with a certificate, HiveMQ's with a device
 * key, MQTT 5 and 3.1.1) and post over HTTPS with a device key; operators read raw points, downsampled series and
 * latest values over the management API.
 */
class TelemetryDeviceTests extends ApiTest {

    @Autowired
    private MqttEndpoint endpoint;
    @Autowired
    private DeviceListener listener;
    @Autowired
    private ConnectionStateRecorder recorder;

    private MqttDevices devices;
    private TestTenant tenant;
    private DevicePort port;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
        port = new DevicePort(api, listener.port());
    }

    @Test
    void deviceKeyPostsABatchOverHttpsThenOperatorsReadItRawDownsampledAndLatest() {
        KeyDevice d = devices.keyDevice(tenant, "meter");
        long t0 = (System.currentTimeMillis() / 3_600_000L - 2) * 3_600_000L; // two hours ago, on the hour
        String batch = "[" + "{\"ts\":" + t0 + ",\"msg_id\":\"m1\",\"temp\":20.5,\"door\":true,\"mode\":\"eco\"},"
                + "{\"ts\":" + (t0 + 60_000) + ",\"msg_id\":\"m2\",\"temp\":21.5,\"power\":{\"v\":230,\"a\":1.5}},"
                + "{\"ts\":\"" + Instant.ofEpochMilli(t0 + 3_600_000) + "\",\"msg_id\":\"m3\",\"temp\":25}]";
        JsonNode accepted = port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), batch).expect(202);
        assertThat(accepted.path("accepted").asInt()).isEqualTo(3);

        String path = "/api/v1/devices/" + d.id() + "/telemetry";
        JsonNode raw = api.get(tenant.admin(), path + "?metric=temp").expect(200);
        assertThat(raw.path("items").valueStream().map(p -> p.path("value").asDouble()).toList())
                .containsExactly(20.5, 21.5, 25.0);
        assertThat(raw.path("items").get(0).path("msg_id").asString()).isEqualTo("m1");
        assertThat(raw.path("items").get(0).path("ts").asString()).isEqualTo(Instant.ofEpochMilli(t0).toString());

        JsonNode first = api.get(tenant.admin(), path + "?limit=4").expect(200);
        assertThat(first.path("items")).hasSize(4);
        JsonNode second = api.get(tenant.admin(), path + "?limit=4&cursor=" + first.path("next_cursor").asString())
                .expect(200);
        assertThat(second.path("items")).hasSize(3);
        assertThat(second.path("next_cursor").isNull()).isTrue();
        assertThat(second.path("items").valueStream().map(p -> p.path("metric").asString()).toList())
                .containsExactly("power.v", "temp", "temp");

        JsonNode series = api.get(tenant.admin(), path + "?metric=temp&bucket=1h&agg=avg,min,max,count,first,last")
                .expect(200);
        assertThat(series.path("items")).hasSize(2);
        JsonNode hour = series.path("items").get(0);
        assertThat(hour.path("start").asString()).isEqualTo(Instant.ofEpochMilli(t0).toString());
        assertThat(hour.path("avg").asDouble()).isEqualTo(21.0);
        assertThat(hour.path("min").asDouble()).isEqualTo(20.5);
        assertThat(hour.path("max").asDouble()).isEqualTo(21.5);
        assertThat(hour.path("count").asLong()).isEqualTo(2);
        assertThat(hour.path("first").asDouble()).isEqualTo(20.5);
        assertThat(hour.path("last").asDouble()).isEqualTo(21.5);
        assertThat(hour.has("sum")).isFalse();
        assertThat(series.path("items").get(1).path("count").asLong()).isEqualTo(1);

        JsonNode latest = api.get(tenant.admin(), path + "/latest").expect(200).path("items");
        assertThat(latest.valueStream().map(v -> v.path("metric").asString() + "=" + v.path("value")).toList())
                .containsExactly("door=true", "mode=\"eco\"", "power.a=1.5", "power.v=230.0", "temp=25.0");

        JsonNode fleet = api.get(tenant.admin(), "/api/v1/telemetry/latest?metric=temp&query=type%20%3D%20%22sensor%22")
                .expect(200);
        assertThat(fleet.path("items")).hasSize(1);
        assertThat(fleet.path("items").get(0).path("device_id").asString()).isEqualTo(d.id());
        assertThat(fleet.path("items").get(0).path("values").get(0).path("value").asDouble()).isEqualTo(25.0);
    }

    @Test
    void theSameMessageIdIsStoredOnceAndBothSeedPathsAnswerLikeTheDevicePath() {
        KeyDevice d = devices.keyDevice(tenant, "gw");
        Map<String, String> key = Map.of("X-Device-Key", d.key());
        for (String p : List.of("/device/v1/telemetry", "/ingest/v1/telemetry", "/v1/ingest")) {
            assertThat(port.post(p, key, "{\"msg_id\":\"same\",\"n\":1}").expect(202).path("accepted").asInt())
                    .isEqualTo(1);
        }
        port.post("/v1/ingest", key, "{\"n\":2}").expect(202);
        JsonNode raw = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry").expect(200);
        assertThat(raw.path("items").valueStream().map(p -> p.path("value").asInt()).toList()).containsExactly(1, 2);
        assertThat(raw.path("items").get(1).path("msg_id").asString()).startsWith("srv-");
        // the ingest paths are the device listener's only
        api.call("POST", "/v1/ingest").header("X-Device-Key", d.key()).body(Map.of("n", 1)).send()
                .expectProblem(404, "NOT_FOUND");
        port.post("/v1/ingest", Map.of(), "{\"n\":1}").expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void badInputIsRefusedWithEveryProblemAndNothingOfItIsStored() {
        KeyDevice d = devices.keyDevice(tenant, "bad");
        Map<String, String> key = Map.of("X-Device-Key", d.key());
        long now = System.currentTimeMillis();
        String body = "[{\"ok\":1},{\"ts\":" + (now + 3_600_000) + ",\"deep\":{\"x\":{\"y\":1}},\"list\":[1],"
                + "\"s\":\"" + "x".repeat(300) + "\",\"bad name\":1,\"nothing\":null},"
                + "{\"ts\":" + (now - 40L * 86_400_000) + ",\"a\":1},{\"ts\":\"yesterday\",\"msg_id\":7},{}]";
        JsonNode problem = port.post("/device/v1/telemetry", key, body).expectProblem(400, "VALIDATION_FAILED");
        assertThat(problem.path("errors").valueStream().map(e -> e.path("field").asString()).toList())
                .containsExactlyInAnyOrder("/1/ts", "/1/deep/x", "/1/list", "/1/s", "/1/bad name", "/1/nothing",
                        "/2/ts", "/3/ts", "/3/msg_id", "/4");
        port.post("/device/v1/telemetry", key, "[]").expectProblem(400, "VALIDATION_FAILED");
        port.post("/device/v1/telemetry", key, "42").expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry").expect(200).path("items"))
                .isEmpty();
        Await.until(Duration.ofSeconds(10), "one TELEMETRY-REJECTED event", () -> api.get(tenant.admin(),
                "/api/v1/devices/" + d.id() + "/events?type=TELEMETRY-REJECTED").expect(200).path("items").size() == 1);
        JsonNode events = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events?type=TELEMETRY-REJECTED")
                .expect(200).path("items");
        assertThat(events).hasSize(1); // three refusals within a minute: one event
        assertThat(events.get(0).path("details").path("channel").asString()).isEqualTo("https");
    }

    @Test
    void anotherTenantSeesNoneOfIt() {
        KeyDevice d = devices.keyDevice(tenant, "private");
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), "{\"n\":1}").expect(202);
        TestTenant other = newTenant();
        String path = "/api/v1/devices/" + d.id() + "/telemetry";
        api.get(other.admin(), path).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path + "/latest").expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path + "?bucket=1h&agg=avg").expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/telemetry/latest").expect(200).path("items")).isEmpty();
        api.get(tenant.admin(), path + "?bucket=2h").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), path + "?bucket=1h&agg=median").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), path + "?bucket=1m&agg=avg&from=0").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), path + "?from=yesterday").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void theFleetQueryFieldTelemetryWorksInListsGroupsAndCounts() {
        KeyDevice low = devices.keyDevice(tenant, "low");
        KeyDevice full = devices.keyDevice(tenant, "full");
        devices.keyDevice(tenant, "quiet");
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", low.key()), "{\"battery\":12}").expect(202);
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", full.key()), "{\"battery\":90}").expect(202);
        String query = "type = \"sensor\" AND telemetry.battery < 20";
        JsonNode list = api.call("GET", "/api/v1/devices?query=" + java.net.URLEncoder.encode(query,
                StandardCharsets.UTF_8)).token(tenant.admin()).send().expect(200);
        assertThat(ids(list)).containsExactly(low.id());
        String group = api.post(tenant.admin(), "/api/v1/fleet-groups", Map.of("name", "low battery", "kind",
                "dynamic", "query", query)).expect(201).path("id").asString();
        assertThat(ids(api.get(tenant.admin(), "/api/v1/fleet-groups/" + group + "/devices").expect(200)))
                .containsExactly(low.id());
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", full.key()), "{\"battery\":3}").expect(202);
        assertThat(ids(api.get(tenant.admin(), "/api/v1/fleet-groups/" + group + "/devices").expect(200)))
                .containsExactlyInAnyOrder(low.id(), full.id());
        api.call("GET", "/api/v1/devices?query=" + java.net.URLEncoder.encode("telemetry < 3",
                StandardCharsets.UTF_8)).token(tenant.admin()).send().expectProblem(400, "INVALID_QUERY");
    }

    @Test
    void httpsTelemetryMovesLastSeen() {
        KeyDevice d = devices.keyDevice(tenant, "seen");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("last_seen_at").isNull())
                .isTrue();
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), "{\"n\":1}").expect(202);
        recorder.flush();
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("last_seen_at").isNull())
                .isFalse();
    }

    @Test
    void mosquittoPubWithADeviceCertificatePublishesTelemetryAtQos1() throws Exception {
        MosquittoClients.assumeInstalled();
        devices.cas(tenant);
        CertDevice d = devices.certDevice(tenant, "gauge");
        var pub = new MosquittoClients(endpoint.port()).pub(MosquittoClients.certificate(d), "-t",
                "fk/" + d.id() + "/telemetry/env", "-q", "1", "-m", "{\"msg_id\":\"q1\",\"humidity\":40}")
                .await(20);
        assertThat(pub.exitCode()).as(pub.output()).isZero();
        // mosquitto_pub exits after the PUBACK, which comes after the commit: the point is there at once
        JsonNode raw = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry?stream=env").expect(200);
        assertThat(raw.path("items")).hasSize(1);
        assertThat(raw.path("items").get(0).path("stream").asString()).isEqualTo("env");
        assertThat(raw.path("items").get(0).path("value").asDouble()).isEqualTo(40.0);
    }

    @Test
    void mqtt5GetsPubackOnlyAfterCommitAnd0x99ForABadPayload() {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(trust()).applySslConfig().buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(bytes(d.key())).applySimpleAuth().send();
        try {
            String topic = "fk/" + d.id() + "/telemetry";
            Mqtt5PublishResult ok = c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"rpm\":1200}")).send();
            assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) ok).getPubAck().getReasonCode())
                    .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry/latest").expect(200)
                    .path("items").get(0).path("value").asDouble()).isEqualTo(1200.0);
            for (String bad : List.of("not json", "{\"rpm\":[1]}", "{}")) {
                assertThatThrownBy(() -> c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(bad))
                        .send()).as(bad).isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(
                                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID));
            }
            assertThat(c.getState().isConnected()).isTrue();
        } finally {
            c.disconnect();
        }
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry").expect(200).path("items"))
                .hasSize(1);
    }

    @Test
    void mqtt311DropsABadPayloadAndKeepsTheConnection() {
        KeyDevice d = devices.keyDevice(tenant, "old");
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(trust()).applySslConfig().buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(bytes(d.key())).applySimpleAuth().send();
        try {
            String topic = "fk/" + d.id() + "/telemetry/diag";
            c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"x\":{\"y\":{\"z\":1}}}")).send();
            c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"x\":{\"y\":2}}")).send();
            assertThat(c.getState().isConnected()).isTrue();
        } finally {
            c.disconnect();
        }
        JsonNode raw = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/telemetry").expect(200);
        assertThat(raw.path("items").valueStream().map(p -> p.path("metric").asString()).toList())
                .containsExactly("x.y");
    }

    @Test
    void tenantRetentionIsASettingWithAVersionAndBoundsWhatIsAccepted() {
        String path = "/api/v1/telemetry/settings";
        JsonNode defaults = api.get(tenant.admin(), path).expect(200);
        assertThat(defaults.path("retention_days").asInt()).isEqualTo(30);
        assertThat(defaults.path("version").asLong()).isZero();
        api.call("PUT", path).token(tenant.admin()).body(Map.of("retention_days", 0)).send()
                .expectProblem(400, "VALIDATION_FAILED");
        api.call("PUT", path).token(tenant.admin()).header("If-Match", "\"3\"").body(Map.of("retention_days", 7))
                .send().expectProblem(412, "PRECONDITION_FAILED");
        api.call("PUT", path).token(token(tenant, "operator")).body(Map.of("retention_days", 7)).send()
                .expectProblem(403, "FORBIDDEN");
        JsonNode set = api.call("PUT", path).token(tenant.admin()).header("If-Match", "\"0\"")
                .body(Map.of("retention_days", 7)).send().expect(200);
        assertThat(set.path("version").asLong()).isEqualTo(1);
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=telemetry.settings.update").expect(200)
                .path("items")).hasSize(1);
        KeyDevice d = devices.keyDevice(tenant, "short");
        long eightDaysAgo = System.currentTimeMillis() - 8L * 86_400_000;
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), "{\"ts\":" + eightDaysAgo + ",\"n\":1}")
                .expectProblem(400, "VALIDATION_FAILED");
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()),
                "{\"ts\":" + (eightDaysAgo + 2L * 86_400_000) + ",\"n\":1}").expect(202);
    }

    private javax.net.ssl.TrustManagerFactory trust() {
        try {
            return devices.trustManagers();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
