package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A campaign offers its firmware to hawkBit DDI clients: the base poll links the deployment, deploymentBase
 * describes the artifacts, the artifact downloads with {@code Range}, feedback moves the device's status and
 * success writes the firmware version into the device record. Requests follow hawkBit's documented shapes.
 */
class DdiDeploymentTests extends ApiTest {

    private static final String CONTENT = "swu image ".repeat(3000); // 30,000 ASCII bytes

    @Autowired
    private DeviceListener listener;

    private TestTenant tenant;
    private MqttDevices devices;
    private DevicePort port;

    @BeforeEach
    void setUp() throws Exception {
        tenant = newTenant();
        devices = new MqttDevices(api);
        port = new DevicePort(api, listener.port());
    }

    private String firmware(String version) {
        String id = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", version))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + id + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString(CONTENT)).send().expect(201);
        return id;
    }

    private JsonNode campaign(String firmwareId, String... deviceIds) {
        return api.post(tenant.admin(), "/api/v1/campaigns", Map.of("firmware_id", firmwareId,
                "target", Map.of("device_ids", List.of(deviceIds)))).expect(201);
    }

    private static Map<String, String> auth(KeyDevice d) {
        return Map.of("Authorization", "TargetToken " + d.key(), "Accept", "application/hal+json");
    }

    private String base(KeyDevice d) {
        return "/" + tenant.id() + "/controller/v1/" + d.id();
    }

    private static String path(String href) {
        URI u = URI.create(href);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    private static Map<String, Object> feedback(String execution, String finished) {
        // SWUpdate adds id and time, which hawkBit accepts and so do we.
        return Map.of("id", 1, "time", "20261203T110000", "status", Map.of("execution", execution,
                "result", Map.of("finished", finished), "details", List.of("from the test")));
    }

    @Test
    void deviceInstallsTheCampaignsFirmwareThroughDdi() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        String fw = firmware("2.0");
        JsonNode c = campaign(fw, d.id());
        assertThat(c.path("state").asString()).isEqualTo("RUNNING");
        assertThat(c.path("counts").path("QUEUED").asLong()).isEqualTo(1);

        JsonNode poll = port.call("GET", base(d), auth(d), null).expect(200);
        String href = poll.path("_links").path("deploymentBase").path("href").asString();
        assertThat(href).startsWith("https://").contains(base(d) + "/deploymentBase/");

        JsonNode db = port.call("GET", path(href), auth(d), null).expect(200);
        long actionId = Long.parseLong(db.path("id").asString());
        assertThat(status(c, 0)).as("the device read its deployment").isEqualTo("NOTIFIED");
        assertThat(port.call("GET", base(d), auth(d), null).expect(200).path("_links").path("deploymentBase")
                .path("href").asString()).as("the same link as before").isEqualTo(href);
        JsonNode deployment = db.path("deployment");
        assertThat(deployment.path("download").asString()).isEqualTo("forced");
        assertThat(deployment.path("update").asString()).isEqualTo("forced");
        JsonNode chunk = deployment.path("chunks").get(0);
        assertThat(chunk.path("version").asString()).isEqualTo("2.0");
        assertThat(chunk.path("name").asString()).isEqualTo("os");
        JsonNode artifact = chunk.path("artifacts").get(0);
        assertThat(artifact.path("filename").asString()).isEqualTo("os.swu");
        assertThat(artifact.path("size").asLong()).isEqualTo(CONTENT.length());
        byte[] bytes = CONTENT.getBytes(StandardCharsets.US_ASCII);
        assertThat(artifact.path("hashes").path("sha256").asString()).isEqualTo(hex("SHA-256", bytes));
        assertThat(artifact.path("hashes").path("sha1").asString()).isEqualTo(hex("SHA-1", bytes));
        assertThat(artifact.path("hashes").path("md5").asString()).isEqualTo(hex("MD5", bytes));
        String download = path(artifact.path("_links").path("download-http").path("href").asString());
        assertThat(artifact.path("_links").path("download").path("href").asString()).endsWith(download);

        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), feedback("proceeding", "none")).expect(200);
        assertThat(status(c, 0)).isEqualTo("DOWNLOADING");

        Reply whole = port.call("GET", download, auth(d), null);
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(CONTENT);
        assertThat(whole.header("Content-Length")).isEqualTo(String.valueOf(CONTENT.length()));
        Reply rest = port.call("GET", download, Map.of("Authorization", "TargetToken " + d.key(),
                "Range", "bytes=20000-"), null);
        assertThat(rest.status()).isEqualTo(206);
        assertThat(rest.body()).isEqualTo(CONTENT.substring(20_000));

        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), feedback("downloaded", "none")).expect(200);
        assertThat(status(c, 0)).isEqualTo("DOWNLOADED");
        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), feedback("proceeding", "none")).expect(200);
        assertThat(status(c, 0)).as("installing after the download").isEqualTo("INSTALLING");
        port.post(base(d) + "/deploymentBase/" + actionId + "/feedback", auth(d), feedback("closed", "success"))
                .expect(200);
        assertThat(status(c, 0)).isEqualTo("SUCCEEDED");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("firmware_version")
                .asString()).isEqualTo("2.0");
        // A retried final report is accepted; anything else on a finished action is refused.
        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), feedback("closed", "success")).expect(200);
        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), feedback("closed", "failure"))
                .expectProblem(409, "INVALID_TRANSITION");

        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/events?limit=50").expect(200)
                .path("items").valueStream().map(e -> e.path("type").asString()).toList())
                .contains("OTA-STARTED", "OTA-SUCCEEDED").doesNotContain("OTA-FAILED");
        JsonNode after = port.call("GET", base(d), auth(d), null).expect(200);
        assertThat(after.path("_links").propertyNames()).as("nothing left to install").containsExactly("configData");
        JsonNode campaign = api.get(tenant.admin(), "/api/v1/campaigns/" + c.path("id").asString()).expect(200);
        assertThat(campaign.path("counts").path("SUCCEEDED").asLong()).isEqualTo(1);
        assertThat(api.get(tenant.admin(), "/api/v1/audit?limit=50").expect(200).path("items").valueStream()
                .map(e -> e.path("action").asString()).toList())
                .contains("campaign.create", "ota.action.succeeded", "firmware.artifact.download");
    }

    @Test
    void failureIsRecordedAndTheVersionIsKept() {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        JsonNode c = campaign(firmware("3.0"), d.id());
        String href = port.call("GET", base(d), auth(d), null).expect(200).path("_links").path("deploymentBase")
                .path("href").asString();
        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), feedback("closed", "failure")).expect(200);
        assertThat(status(c, 0)).isEqualTo("FAILED");
        JsonNode listed = api.get(tenant.admin(), "/api/v1/campaigns/" + c.path("id").asString() + "/devices")
                .expect(200).path("items").get(0);
        assertThat(listed.path("detail").asString()).isEqualTo("from the test");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("firmware_version")
                .isNull()).isTrue();
    }

    @Test
    void pauseHidesTheDeploymentResumeOffersItCancelEndsIt() {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        JsonNode c = campaign(firmware("4.0"), d.id());
        String id = c.path("id").asString();
        Reply paused = api.call("POST", "/api/v1/campaigns/" + id + "/pause").token(tenant.admin())
                .header("If-Match", "\"1\"").send();
        assertThat(paused.expect(200).path("state").asString()).isEqualTo("PAUSED");
        assertThat(port.call("GET", base(d), auth(d), null).expect(200).path("_links").propertyNames()).containsExactly("configData");
        api.call("POST", "/api/v1/campaigns/" + id + "/resume").token(tenant.admin()).header("If-Match", "\"1\"")
                .send().expectProblem(412, "PRECONDITION_FAILED");
        api.post(tenant.admin(), "/api/v1/campaigns/" + id + "/resume", Map.of()).expect(200);
        assertThat(port.call("GET", base(d), auth(d), null).expect(200).path("_links").has("deploymentBase"))
                .isTrue();
        JsonNode canceled = api.post(tenant.admin(), "/api/v1/campaigns/" + id + "/cancel", Map.of()).expect(200);
        assertThat(canceled.path("state").asString()).isEqualTo("CANCELED");
        assertThat(canceled.path("counts").path("CANCELED").asLong()).isEqualTo(1);
        assertThat(port.call("GET", base(d), auth(d), null).expect(200).path("_links").propertyNames()).containsExactly("configData");
        api.post(tenant.admin(), "/api/v1/campaigns/" + id + "/resume", Map.of())
                .expectProblem(409, "INVALID_TRANSITION");
    }

    @Test
    void badInputIsRefusedAndNothingIsCreated() {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        String fw = firmware("5.0");
        api.post(tenant.admin(), "/api/v1/campaigns", Map.of("target", Map.of("device_ids", List.of(d.id()))))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), "/api/v1/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("device_ids", List.of()))).expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), "/api/v1/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("device_ids", List.of("0190aaaa-0000-7000-8000-000000000000")))).expectProblem(400,
                        "VALIDATION_FAILED");
        String empty = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "empty", "version", "1"))
                .expect(201).path("id").asString();
        api.post(tenant.admin(), "/api/v1/campaigns", Map.of("firmware_id", empty, "target",
                Map.of("device_ids", List.of(d.id())))).expectProblem(409, "CONFLICT");
        assertThat(port.call("GET", base(d), auth(d), null).expect(200).path("_links").propertyNames()).containsExactly("configData");

        JsonNode c = campaign(fw, d.id());
        String href = port.call("GET", base(d), auth(d), null).expect(200).path("_links").path("deploymentBase")
                .path("href").asString();
        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), Map.of("status", Map.of("execution", "dancing")))
                .expectProblem(400, "VALIDATION_FAILED");
        port.post(URI.create(href).getRawPath() + "/feedback", auth(d), Map.of("status", Map.of("execution", "closed",
                "result", Map.of("finished", "maybe")))).expectProblem(400, "VALIDATION_FAILED");
        assertThat(status(c, 0)).isEqualTo("QUEUED");
        port.call("GET", base(d) + "/deploymentBase/999999999", auth(d), null).expectProblem(404, "NOT_FOUND");
        api.get(tenant.admin(), "/api/v1/campaigns/" + c.path("id").asString() + "/devices?cursor=nonsense")
                .expectProblem(400, "INVALID_CURSOR");
        api.delete(tenant.admin(), "/api/v1/firmware/" + fw).expectProblem(409, "IN_USE");
        api.get(tenant.admin(), "/api/v1/firmware/" + fw).expect(200);
    }

    @Test
    void otherTenantsAndOtherDevicesSeeNothing() {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        KeyDevice sibling = devices.keyDevice(tenant, "gw-2");
        JsonNode c = campaign(firmware("6.0"), d.id());
        String href = port.call("GET", base(d), auth(d), null).expect(200).path("_links").path("deploymentBase")
                .path("href").asString();
        long actionId = Long.parseLong(path(href).replaceAll(".*/deploymentBase/(\\d+).*", "$1"));

        // The sibling asks for d's action under its own controller id: not its action.
        port.call("GET", base(sibling) + "/deploymentBase/" + actionId, auth(sibling), null)
                .expectProblem(404, "NOT_FOUND");
        port.post(base(sibling) + "/deploymentBase/" + actionId + "/feedback", auth(sibling),
                feedback("closed", "success")).expectProblem(404, "NOT_FOUND");
        // ... nor under d's controller id with its own key.
        port.call("GET", path(href), auth(sibling), null).expectProblem(404, "NOT_FOUND");

        TestTenant other = newTenant();
        KeyDevice stranger = devices.keyDevice(other, "gw-3");
        String strangerBase = "/" + other.id() + "/controller/v1/" + stranger.id();
        port.call("GET", strangerBase + "/deploymentBase/" + actionId, auth(stranger), null)
                .expectProblem(404, "NOT_FOUND");
        String download = strangerBase + "/softwaremodules/" + c.path("firmware_id").asString()
                + "/artifacts/os.swu";
        port.call("GET", download, auth(stranger), null).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/campaigns/" + c.path("id").asString()).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/campaigns/" + c.path("id").asString() + "/devices")
                .expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/campaigns/" + c.path("id").asString() + "/cancel", Map.of())
                .expectProblem(404, "NOT_FOUND");
        assertThat(status(c, 0)).isEqualTo("QUEUED");
    }

    private String status(JsonNode campaign, int index) {
        return api.get(tenant.admin(), "/api/v1/campaigns/" + campaign.path("id").asString() + "/devices")
                .expect(200).path("items").get(index).path("status").asString();
    }

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }
}
