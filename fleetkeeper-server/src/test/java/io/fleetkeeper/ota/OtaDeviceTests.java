package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.job.JobFixture;
import io.fleetkeeper.job.internal.JobEngine;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device side of OTA without hawkBit: an MQTT device hears its manifest on {@code ota/notify}, downloads the
 * artifact over HTTPS (a transfer broken off and resumed with {@code Range}), checks its SHA-256 and reports its
 * way to SUCCEEDED with its new version; a device without MQTT does the same by HTTPS polling. Bad reports are
 * refused (on {@code status/rejected} over MQTT), and no device reaches another's execution. A staged campaign's
 * job is stepped by the test for its own job only (the suite's context runs no job runner).
 */
class OtaDeviceTests extends JobFixture {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String CONTENT = "firmware image ".repeat(4000); // 60,000 ASCII bytes

    @Autowired DeviceListener listener;
    @Autowired MqttEndpoint endpoint;

    private TestTenant tenant;
    private MqttDevices devices;
    private DevicePort port;
    private JobEngine engine;
    private final Clock clock = Clock.systemUTC();

    @BeforeEach
    void setUp() throws Exception {
        tenant = newTenant();
        devices = new MqttDevices(api);
        port = new DevicePort(api, listener.port());
        engine = engine(clock, "ota-device-" + UUID.randomUUID());
    }

    private String firmware(String version) {
        String id = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", version))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + id + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString(CONTENT)).send().expect(201);
        return id;
    }

    private JsonNode campaign(String firmwareId, Map<String, Object> target) {
        return api.post(tenant.admin(), "/api/v1/ota/campaigns", Map.of("firmware_id", firmwareId, "target", target))
                .expect(201);
    }

    private JsonNode execution(String campaignId) {
        return api.get(tenant.admin(), "/api/v1/ota/campaigns/" + campaignId + "/devices").expect(200).path("items")
                .get(0);
    }

    private JsonNode awaitStatus(String campaignId, String status) {
        return Await.until(WAIT, "the execution to be " + status, () -> execution(campaignId),
                e -> e.path("status").asString().equals(status));
    }

    private JsonNode runUntil(String jobId, String status) {
        return stepUntil(engine, clock, tenant, jobId, j -> j.path("status").asString().equals(status),
                "the job to be " + status);
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String payload) {
        c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(payload)).send();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> key(KeyDevice d) {
        return Map.of("X-Device-Key", d.key());
    }

    private static Map<String, Object> report(String status, Object... more) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        for (int i = 0; i < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    /**
     * Downloads the manifest's artifact: the first transfer breaks off after 25,000 bytes, the rest comes with
     * {@code Range} guarded by the ETag.
     */
    private byte[] download(KeyDevice d, JsonNode artifact) throws Exception {
        String url = artifact.path("url").asString();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        HttpResponse<InputStream> first = port.stream(url, key(d));
        assertThat(first.statusCode()).isEqualTo(200);
        String etag = first.headers().firstValue("ETag").orElseThrow();
        try (InputStream in = first.body()) {
            got.write(in.readNBytes(25_000));
        }
        Reply rest = port.call("GET", url, Map.of("X-Device-Key", d.key(), "Range", "bytes=25000-", "If-Range",
                etag), null);
        assertThat(rest.status()).isEqualTo(206);
        assertThat(rest.header("Content-Range")).isEqualTo("bytes 25000-59999/60000");
        got.write(rest.body().getBytes(StandardCharsets.US_ASCII));
        return got.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void mqttDeviceIsNotifiedDownloadsWithResumeAndReportsItsNewVersion() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        String ns = "fk/" + d.id() + "/";
        Mqtt5BlockingClient c = devices.connect(d, endpoint.port());
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "ota/notify").qos(MqttQos.AT_LEAST_ONCE).send();
            c.subscribeWith().topicFilter(ns + "ota/+/status/rejected").qos(MqttQos.AT_MOST_ONCE).send();
            String fw = firmware("2.0");
            JsonNode created = campaign(fw, Map.of("query", "type = \"sensor\""));
            String campaignId = created.path("id").asString();
            String jobId = created.path("job_id").asString();
            runUntil(jobId, "IN_PROGRESS");

            JsonNode manifest = JSON.readTree(MqttDevices.next(publishes, ns + "ota/notify").getPayloadAsBytes());
            long execution = manifest.path("execution_id").asLong();
            assertThat(manifest.path("campaign_id").asString()).isEqualTo(campaignId);
            assertThat(manifest.path("firmware_id").asString()).isEqualTo(fw);
            assertThat(manifest.path("version").asString()).isEqualTo("2.0");
            assertThat(manifest.path("status").asString()).isEqualTo("NOTIFIED");
            JsonNode artifact = manifest.path("artifacts").get(0);
            assertThat(artifact.path("filename").asString()).isEqualTo("os.swu");
            assertThat(artifact.path("size").asLong()).isEqualTo(60_000);
            JsonNode notified = execution(campaignId);
            assertThat(notified.path("id").asLong()).isEqualTo(execution);
            assertThat(notified.path("status").asString()).isEqualTo("NOTIFIED");
            assertThat(notified.path("notified_at").isString()).isTrue();

            String status = ns + "ota/" + execution + "/status";
            publish(c, status, "{\"status\":\"DOWNLOADING\",\"progress\":0}");
            assertThat(awaitStatus(campaignId, "DOWNLOADING").path("started_at").isString()).isTrue();
            byte[] image = download(d, artifact);
            assertThat(sha256(image)).isEqualTo(artifact.path("sha256").asString());
            assertThat(new String(image, StandardCharsets.US_ASCII)).isEqualTo(CONTENT);
            publish(c, status, "{\"status\":\"DOWNLOADING\",\"progress\":100}");
            Await.until(WAIT, "the progress", () -> execution(campaignId).path("progress").asInt() == 100);
            publish(c, status, "{\"status\":\"DOWNLOADED\"}");
            awaitStatus(campaignId, "DOWNLOADED");
            publish(c, status, "{\"status\":\"INSTALLING\",\"progress\":40}");
            assertThat(awaitStatus(campaignId, "INSTALLING").path("progress").asInt()).isEqualTo(40);
            publish(c, status, "{\"status\":\"SUCCEEDED\",\"version\":\"2.0\"}");
            JsonNode done = awaitStatus(campaignId, "SUCCEEDED");
            assertThat(done.path("finished_at").isString()).isTrue();
            assertThat(done.path("progress").asInt()).isEqualTo(100);

            runUntil(jobId, "COMPLETED");
            assertThat(api.get(tenant.admin(), "/api/v1/jobs/" + jobId + "/executions/" + d.id()).expect(200)
                    .path("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(api.get(tenant.admin(), "/api/v1/ota/campaigns/" + campaignId).expect(200).path("state")
                    .asString()).isEqualTo("COMPLETED");
            assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("firmware_version")
                    .asString()).isEqualTo("2.0");

            // A step back and reports on unknown executions are refused on the rejected topic; nothing changes.
            publish(c, status, "{\"status\":\"DOWNLOADING\"}");
            JsonNode refused = JSON.readTree(MqttDevices.next(publishes, status + "/rejected").getPayloadAsBytes());
            assertThat(refused.path("code").asString()).isEqualTo("INVALID_TRANSITION");
            publish(c, ns + "ota/999999999/status", "{\"status\":\"DOWNLOADING\"}");
            assertThat(JSON.readTree(MqttDevices.next(publishes, ns + "ota/999999999/status/rejected").getPayloadAsBytes())
                    .path("code").asString()).isEqualTo("NOT_FOUND");
            publish(c, status, "not json");
            assertThat(JSON.readTree(MqttDevices.next(publishes, status + "/rejected").getPayloadAsBytes()).path("code")
                    .asString()).isEqualTo("MALFORMED_REQUEST");
            publish(c, status, "{\"status\":\"FAILED\",\"colour\":\"red\"}");
            assertThat(JSON.readTree(MqttDevices.next(publishes, status + "/rejected").getPayloadAsBytes()).path("code")
                    .asString()).isEqualTo("UNKNOWN_FIELD");
            publish(c, status, "{\"status\":\"DANCING\"}");
            assertThat(JSON.readTree(MqttDevices.next(publishes, status + "/rejected").getPayloadAsBytes()).path("code")
                    .asString()).isEqualTo("VALIDATION_FAILED");
            assertThat(execution(campaignId).path("status").asString()).isEqualTo("SUCCEEDED");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void mqttDeviceHearsTheCancelOfItsUpdateAndConfirmsIt() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        String ns = "fk/" + d.id() + "/";
        String campaignId = campaign(firmware("2.1"), Map.of("device_ids", List.of(d.id()))).path("id").asString();
        Mqtt5BlockingClient c = devices.connect(d, endpoint.port());
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            // Offered while the device was not subscribed: subscribing sends the manifest.
            c.subscribeWith().topicFilter(ns + "ota/notify").qos(MqttQos.AT_LEAST_ONCE).send();
            JsonNode manifest = JSON.readTree(MqttDevices.next(publishes, ns + "ota/notify").getPayloadAsBytes());
            long execution = manifest.path("execution_id").asLong();
            publish(c, ns + "ota/" + execution + "/status", "{\"status\":\"DOWNLOADING\",\"progress\":10}");
            awaitStatus(campaignId, "DOWNLOADING");

            api.post(tenant.admin(), "/api/v1/ota/campaigns/" + campaignId + "/cancel", Map.of()).expect(200);
            JsonNode cancel = Await.until(WAIT, "the cancel request", () -> JSON.readTree(MqttDevices.next(publishes,
                    ns + "ota/notify").getPayloadAsBytes()), m -> m.path("status").asString().equals("CANCELING"));
            assertThat(cancel.path("execution_id").asLong()).isEqualTo(execution);
            publish(c, ns + "ota/" + execution + "/status", "{\"status\":\"CANCELED\",\"detail\":\"stopped\"}");
            assertThat(awaitStatus(campaignId, "CANCELED").path("finished_at").isString()).isTrue();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void pollingDeviceGetsItsManifestAndReportsOverHttps() {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        port.call("GET", "/device/v1/ota/next", key(d), null).expect(204);
        String fw = firmware("3.0");
        String campaignId = campaign(fw, Map.of("device_ids", List.of(d.id()))).path("id").asString();
        assertThat(execution(campaignId).path("status").asString()).isEqualTo("QUEUED");

        JsonNode manifest = port.call("GET", "/device/v1/ota/next", key(d), null).expect(200);
        long execution = manifest.path("execution_id").asLong();
        assertThat(manifest.path("status").asString()).isEqualTo("NOTIFIED");
        assertThat(manifest.path("artifacts").get(0).path("url").asString())
                .isEqualTo("/device/v1/firmware/" + fw + "/artifacts/os.swu");
        String status = "/device/v1/ota/" + execution + "/status";
        JsonNode r = port.post(status, key(d), report("DOWNLOADING", "progress", 30)).expect(200);
        assertThat(r.path("status").asString()).isEqualTo("DOWNLOADING");
        assertThat(r.path("progress").asInt()).isEqualTo(30);
        port.post(status, key(d), report("DOWNLOADED")).expect(200);
        port.post(status, key(d), report("INSTALLING")).expect(200);
        // Bad reports change nothing.
        port.post(status, key(d), report("DOWNLOADING")).expectProblem(409, "INVALID_TRANSITION");
        port.post(status, key(d), report("DANCING")).expectProblem(400, "VALIDATION_FAILED");
        port.post(status, key(d), report("FAILED", "colour", "red")).expectProblem(400, "UNKNOWN_FIELD");
        port.post(status, key(d), report("INSTALLING", "progress", 101)).expectProblem(400, "VALIDATION_FAILED");
        port.post("/device/v1/ota/999999999/status", key(d), report("INSTALLING")).expectProblem(404, "NOT_FOUND");
        assertThat(execution(campaignId).path("status").asString()).isEqualTo("INSTALLING");

        JsonNode done = port.post(status, key(d), report("SUCCEEDED", "version", "3.0")).expect(200);
        assertThat(done.path("status").asString()).isEqualTo("SUCCEEDED");
        port.post(status, key(d), report("SUCCEEDED", "version", "3.0")).expect(200); // a retried report
        port.post(status, key(d), report("FAILED")).expectProblem(409, "INVALID_TRANSITION");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("firmware_version")
                .asString()).isEqualTo("3.0");
        port.call("GET", "/device/v1/ota/next", key(d), null).expect(204);
        List<String> events = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events?limit=50").expect(200)
                .path("items").valueStream().map(e -> e.path("type").asString()).toList();
        assertThat(events).contains("OTA-STARTED", "OTA-SUCCEEDED");
    }

    @Test
    void aDownloadOnlyCampaignEndsDownloadedOverMqttAndHttps() throws Exception {
        KeyDevice m = devices.keyDevice(tenant, "dl-mqtt");
        KeyDevice h = devices.keyDevice(tenant, "dl-https");
        String fw = firmware("6.0");
        JsonNode created = api.post(tenant.admin(), "/api/v1/ota/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("device_ids", List.of(m.id(), h.id())), "download", "attempt", "update", "skip")).expect(201);
        assertThat(created.path("download").asString()).isEqualTo("attempt");
        assertThat(created.path("update").asString()).isEqualTo("skip");
        String campaignId = created.path("id").asString();

        String ns = "fk/" + m.id() + "/";
        Mqtt5BlockingClient c = devices.connect(m, endpoint.port());
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "ota/notify").qos(MqttQos.AT_LEAST_ONCE).send();
            c.subscribeWith().topicFilter(ns + "ota/+/status/rejected").qos(MqttQos.AT_MOST_ONCE).send();
            JsonNode manifest = JSON.readTree(MqttDevices.next(publishes, ns + "ota/notify").getPayloadAsBytes());
            assertThat(manifest.path("download").asString()).isEqualTo("attempt");
            assertThat(manifest.path("update").asString()).isEqualTo("skip");
            assertThat(manifest.path("maintenance_window").isString()).as("no window").isFalse();
            String status = ns + "ota/" + manifest.path("execution_id").asLong() + "/status";
            publish(c, status, "{\"status\":\"DOWNLOADING\"}");
            byte[] image = download(m, manifest.path("artifacts").get(0));
            assertThat(sha256(image)).isEqualTo(manifest.path("artifacts").get(0).path("sha256").asString());
            publish(c, status, "{\"status\":\"DOWNLOADED\"}");
            Await.until(WAIT, "the MQTT device's execution to end DOWNLOADED", () -> api.get(tenant.admin(),
                    "/api/v1/ota/campaigns/" + campaignId + "/devices").expect(200).path("items").valueStream()
                    .filter(e -> e.path("device_id").asString().equals(m.id())).findFirst().orElseThrow(),
                    e -> e.path("status").asString().equals("DOWNLOADED") && e.path("finished_at").isString());
            publish(c, status, "{\"status\":\"INSTALLING\"}");
            assertThat(JSON.readTree(MqttDevices.next(publishes, status + "/rejected").getPayloadAsBytes())
                    .path("code").asString()).isEqualTo("INVALID_TRANSITION");
        } finally {
            c.disconnect();
        }

        JsonNode manifest = port.call("GET", "/device/v1/ota/next", key(h), null).expect(200);
        assertThat(manifest.path("update").asString()).isEqualTo("skip");
        String status = "/device/v1/ota/" + manifest.path("execution_id").asLong() + "/status";
        port.post(status, key(h), report("DOWNLOADING")).expect(200);
        port.post(status, key(h), report("INSTALLING")).expectProblem(409, "INVALID_TRANSITION");
        port.post(status, key(h), report("SUCCEEDED", "version", "6.0")).expectProblem(409, "INVALID_TRANSITION");
        JsonNode done = port.post(status, key(h), report("DOWNLOADED")).expect(200);
        assertThat(done.path("status").asString()).isEqualTo("DOWNLOADED");
        assertThat(done.path("finished_at").isString()).isTrue();
        port.post(status, key(h), report("DOWNLOADED")).expect(200); // a retried report
        port.post(status, key(h), report("INSTALLING")).expectProblem(409, "INVALID_TRANSITION");
        port.call("GET", "/device/v1/ota/next", key(h), null).expect(204);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + h.id()).expect(200).path("firmware_version")
                .isNull()).as("downloaded, not installed").isTrue();
        assertThat(api.get(tenant.admin(), "/api/v1/ota/campaigns/" + campaignId).expect(200).path("counts")
                .path("DOWNLOADED").asLong()).isEqualTo(2);
    }

    @Test
    void badDownloadAndUpdateHandlingIsRefusedAndCreatesNothing() {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        String fw = firmware("6.1");
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("download", "skip"), Map.of("download", "later"),
                Map.of("update", "FORCED"))) {
            Map<String, Object> body = new LinkedHashMap<>(bad);
            body.put("firmware_id", fw);
            body.put("target", Map.of("device_ids", List.of(d.id())));
            api.post(tenant.admin(), "/api/v1/ota/campaigns", body).expectProblem(400, "VALIDATION_FAILED");
        }
        assertThat(api.get(tenant.admin(), "/api/v1/ota/campaigns").expect(200).path("items")).isEmpty();
        port.call("GET", "/device/v1/ota/next", key(d), null).expect(204);
    }

    @Test
    void aSuccessWithAnotherVersionFailsButTheDeviceRecordTellsTheTruth() {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        String campaignId = campaign(firmware("4.0"), Map.of("device_ids", List.of(d.id()))).path("id").asString();
        long execution = port.call("GET", "/device/v1/ota/next", key(d), null).expect(200).path("execution_id")
                .asLong();
        JsonNode r = port.post("/device/v1/ota/" + execution + "/status", key(d), report("SUCCEEDED", "version",
                "3.9")).expect(200);
        assertThat(r.path("status").asString()).isEqualTo("FAILED");
        assertThat(r.path("detail").asString()).contains("3.9").contains("4.0");
        assertThat(execution(campaignId).path("status").asString()).isEqualTo("FAILED");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("firmware_version")
                .asString()).isEqualTo("3.9");
    }

    @Test
    void noDeviceReachesAnotherDevicesExecution() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        KeyDevice sibling = devices.keyDevice(tenant, "gw-2");
        String campaignId = campaign(firmware("5.0"), Map.of("device_ids", List.of(d.id()))).path("id").asString();
        long execution = execution(campaignId).path("id").asLong();
        String status = "/device/v1/ota/" + execution + "/status";

        port.call("GET", "/device/v1/ota/next", key(sibling), null).expect(204);
        port.post(status, key(sibling), report("DOWNLOADING")).expectProblem(404, "NOT_FOUND");
        TestTenant other = newTenant();
        KeyDevice stranger = devices.keyDevice(other, "gw-3");
        port.call("GET", "/device/v1/ota/next", key(stranger), null).expect(204);
        port.post(status, key(stranger), report("SUCCEEDED")).expectProblem(404, "NOT_FOUND");
        port.post(status, Map.of(), report("SUCCEEDED")).expectProblem(401, "UNAUTHENTICATED");
        api.get(other.admin(), "/api/v1/ota/campaigns/" + campaignId).expectProblem(404, "NOT_FOUND");

        // Over MQTT too: the sibling's report on d's execution is refused as unknown.
        Mqtt5BlockingClient c = devices.connect(sibling, endpoint.port());
        String ns = "fk/" + sibling.id() + "/";
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "ota/+/status/rejected").qos(MqttQos.AT_MOST_ONCE).send();
            publish(c, ns + "ota/" + execution + "/status", "{\"status\":\"SUCCEEDED\"}");
            assertThat(JSON.readTree(MqttDevices.next(publishes, ns + "ota/" + execution + "/status/rejected")
                    .getPayloadAsBytes()).path("code").asString()).isEqualTo("NOT_FOUND");
        } finally {
            c.disconnect();
        }
        assertThat(execution(campaignId).path("status").asString()).isEqualTo("QUEUED");
        // The old campaigns path is the same resource.
        assertThat(api.get(tenant.admin(), "/api/v1/campaigns/" + campaignId).expect(200).path("id").asString())
                .isEqualTo(campaignId);
    }
}
