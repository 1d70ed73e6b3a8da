package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.OpenApiContract;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The served OpenAPI document tells the truth: real responses of the management API, successes and
 * problems alike, validate against {@code /v3/api-docs} (status, content type and body schema).
 */
class OpenApiConformanceTests extends ApiTest {

    @Autowired
    private DeviceListener listener;

    private OpenApiContract contract;
    private final List<String> violations = new ArrayList<>();

    @BeforeEach
    void loadDocument() {
        contract = new OpenApiContract(api.get(null, "/v3/api-docs").expect(200).toString());
    }

    @Test
    void devicesSitesAndTypesConform() {
        TestTenant t = newTenant();
        String type = check(api.post(t.admin(), "/api/v1/device-types", Map.of("name", "sensor")), 201)
                .path("name").asString();
        String site = check(api.post(t.admin(), "/api/v1/sites", Map.of("name", "plant")), 201).path("id").asString();
        check(api.post(t.admin(), "/api/v1/sites", Map.of("name", "depot", "description", "north", "address", "x 1")),
                201);
        JsonNode device = check(api.post(t.admin(), "/api/v1/devices", device("pump")), 201);
        String id = device.path("id").asString();
        check(api.post(t.admin(), "/api/v1/devices", Map.of("name", "meter", "device_type", type, "serial", "SN-1",
                "site", site, "tags", List.of("a"), "metadata", Map.of("k", "v"))), 201);

        check(api.get(t.admin(), "/api/v1/devices"), 200);
        check(api.get(t.admin(), "/api/v1/devices/" + id), 200);
        check(api.patch(t.admin(), "/api/v1/devices/" + id, Map.of("name", "pump-2"), "\"1\""), 200);
        check(api.get(t.admin(), "/api/v1/devices/" + id + "/events"), 200);
        check(api.get(t.admin(), "/api/v1/devices/" + id + "/connection"), 200);
        check(api.get(t.admin(), "/api/v1/devices/count"), 200);
        check(api.get(t.admin(), "/api/v1/stats/devices"), 200);
        check(api.get(t.admin(), "/api/v1/sites"), 200);
        check(api.get(t.admin(), "/api/v1/sites/" + site), 200);
        check(api.get(t.admin(), "/api/v1/device-types"), 200);
        check(api.get(t.admin(), "/api/v1/device-types/" + type), 200);
        check(api.get(t.admin(), "/api/v1/audit"), 200);
        check(api.delete(t.admin(), "/api/v1/devices/" + id), 204);
        String spare = check(api.post(t.admin(), "/api/v1/sites", Map.of("name", "spare")), 201).path("id").asString();
        check(api.delete(t.admin(), "/api/v1/sites/" + spare), 204);
    }

    @Test
    void fleetGroupsPkiAndProvisioningConform() {
        TestTenant t = newTenant();
        String device = check(api.post(t.admin(), "/api/v1/devices", device("pump")), 201).path("id").asString();
        String group = check(api.post(t.admin(), "/api/v1/fleet-groups", Map.of("name", "g", "kind", "dynamic",
                "query", "type = \"sensor\"")), 201).path("id").asString();
        check(api.get(t.admin(), "/api/v1/fleet-groups"), 200);
        check(api.get(t.admin(), "/api/v1/fleet-groups/" + group), 200);
        check(api.get(t.admin(), "/api/v1/fleet-groups/" + group + "/devices"), 200);

        String ca = check(api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")), 201).path("id").asString();
        check(api.get(t.admin(), "/api/v1/pki/cas"), 200);
        check(api.get(t.admin(), "/api/v1/pki/cas/" + ca), 200);
        check(api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", ca)), 201);
        check(api.post(t.admin(), "/api/v1/devices/" + device + "/enrollment-credential", null), 201);
        check(api.post(t.admin(), "/api/v1/devices/" + device + "/certificates", Map.of("csr",
                Csrs.csrPem(Csrs.p256()))), 201);
        check(api.post(t.admin(), "/api/v1/devices/" + device + "/enrollment-credential", null), 409);
        check(api.get(t.admin(), "/api/v1/devices/" + device + "/certificates"), 200);
        check(api.get(t.admin(), "/api/v1/devices/" + device + "/slots"), 200);

        String key = check(api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "factory")), 201)
                .path("id").asString();
        check(api.get(t.admin(), "/api/v1/provisioning-keys"), 200);
        check(api.get(t.admin(), "/api/v1/provisioning-keys/" + key), 200);
        check(api.get(t.admin(), "/api/v1/provisioning-keys/" + key + "/devices"), 200);
        String token = check(api.post(t.admin(), "/api/v1/claim-tokens", Map.of("label", "installer", "device_type",
                "meter", "max_uses", 2, "expires_at", Instant.now().plus(1, ChronoUnit.DAYS).toString())), 201)
                .path("id").asString();
        check(api.get(t.admin(), "/api/v1/claim-tokens"), 200);
        check(api.get(t.admin(), "/api/v1/claim-tokens/" + token), 200);
        check(api.get(t.admin(), "/api/v1/claim-tokens/" + token + "/devices"), 200);
        check(api.get(t.admin(), "/api/v1/tokens?limit=1"), 200);
        check(api.get(t.admin(), "/api/v1/manifests"), 200);
    }

    @Test
    void seedShapesConform() {
        TestTenant t = newTenant();
        Map<String, Object> fields = device("pump");
        fields.put("icon", "water-meter");
        fields.put("icon_color", "#1a2b3c");
        String id = check(api.post(t.admin(), "/api/v1/devices", fields), 201).path("id").asString();
        String path = "/api/v1/devices/" + id;
        check(api.patch(t.admin(), path, Map.of("icon_color", "#00ff00"), null), 200);
        check(api.call("PUT", path + "/shadow/desired").token(t.admin()).body(Map.of("rate", 5)).send(), 200);
        check(api.post(t.admin(), path + "/shadow/reported", Map.of("reported", Map.of("rate", 4), "version", 1)),
                200);
        check(api.post(t.admin(), path + "/shadow/reported", Map.of("reported", Map.of("rate", 4), "version", 1)),
                409);
        check(api.post(t.admin(), path + "/decommission", Map.of("reason", "flooded")), 200);
        String group = check(api.post(t.admin(), "/api/v1/fleet-groups", Map.of("name", "g", "kind", "static",
                "description", "spares")), 201).path("id").asString();
        check(api.patch(t.admin(), "/api/v1/fleet-groups/" + group, Map.of("description", "north"), null), 200);
        JsonNode paths = api.get(null, "/v3/api-docs").expect(200).path("paths");
        assertThat(paths.path("/api/v1/devices/{id}/shadow/desired").has("put")).isTrue();
        assertThat(paths.path("/api/v1/devices/{id}/shadow/reported").has("post")).isTrue();
        assertThat(paths.path("/api/v1/fleet-groups/{groupId}/jobs").has("post")).isTrue();
    }

    @Test
    void problemsConform() {
        TestTenant t = newTenant();
        String id = check(api.post(t.admin(), "/api/v1/devices", device("pump")), 201).path("id").asString();

        check(api.get(null, "/api/v1/devices"), 401);
        check(api.post(token(t, "viewer"), "/api/v1/sites", Map.of("name", "x")), 403);
        check(api.get(t.admin(), "/api/v1/devices/" + UUID.randomUUID()), 404);
        check(api.post(t.admin(), "/api/v1/devices", Map.of("name", "x")), 400);
        check(api.post(t.admin(), "/api/v1/devices", "{\"name\":"), 400);
        check(api.get(t.admin(), "/api/v1/devices?limit=-1"), 400);
        check(api.post(t.admin(), "/api/v1/devices/" + id + "/resume", null), 409);
        check(api.patch(t.admin(), "/api/v1/devices/" + id, Map.of("name", "y"), "\"7\""), 412);
        check(api.post(t.admin(), "/api/v1/sites", Map.of("name", "twice")), 201);
        check(api.post(t.admin(), "/api/v1/sites", Map.of("name", "twice")), 409);
    }

    @Test
    void firmwareCatalogConforms() {
        TestTenant t = newTenant();
        String id = check(api.post(t.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "1.0.0",
                "device_types", java.util.List.of("gateway"), "release_notes", "first")), 201).path("id").asString();
        String path = "/api/v1/firmware/" + id;
        check(api.call("PUT", path + "/artifacts/os.swu").token(t.admin()).body("application/octet-stream",
                java.net.http.HttpRequest.BodyPublishers.ofString("image")).send(), 201);
        check(api.call("PUT", path + "/artifacts/b.bin?sha256=" + "0".repeat(64)).token(t.admin())
                .body("application/octet-stream", java.net.http.HttpRequest.BodyPublishers.ofString("x")).send(), 400);
        check(api.get(t.admin(), "/api/v1/firmware"), 200);
        check(api.get(t.admin(), "/api/v1/blobs/usage"), 200);
        check(api.get(t.admin(), path), 200);
        check(api.patch(t.admin(), path, Map.of("description", "stable"), null), 200);
        check(api.post(t.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "1.0.0")), 409);
        check(api.delete(t.admin(), path + "/artifacts/os.swu"), 204);
        check(api.delete(t.admin(), path), 204);
    }

    @Test
    void otaSigningKeyConforms() {
        TestTenant t = newTenant();
        String key = "/api/v1/ota/signing-key";
        check(api.get(t.admin(), key), 404);
        check(api.post(t.admin(), key + "/rotate", null), 409);
        String root = check(api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")), 201).path("id")
                .asString();
        check(api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)), 201);
        check(api.post(t.admin(), key + "/rotate", null), 200);
        check(api.get(t.admin(), key), 200);
        check(api.post(t.admin(), key + "/rotate", Map.of("reason", "bored")), 400);
        check(api.post(t.admin(), key + "/revoke", Map.of("reason", "keyCompromise")), 200);
    }

    @Test
    void deviceListenerPathsAreNotInTheManagementDocument() {
        JsonNode paths = api.get(null, "/v3/api-docs").expect(200).path("paths");
        assertThat(paths.propertyNames()).noneMatch(p -> p.startsWith("/device/") || p.startsWith("/.well-known/")
                || p.equals("/ingest/v1/telemetry") || p.equals("/v1/ingest"));
        JsonNode device = api.get(null, "/v3/api-docs/device").expect(200);
        assertThat(device.path("paths").propertyNames()).contains("/device/v1/register", "/device/v1/claim",
                "/device/v1/bootstrap", "/device/v1/device-key/rotate", "/device/v1/shadow", "/device/v1/telemetry",
                "/ingest/v1/telemetry", "/v1/ingest");
        assertThat(device.path("paths").propertyNames()).allMatch(p -> p.startsWith("/device/")
                || p.startsWith("/.well-known/") || p.startsWith("/{tenant}/controller/v1/")
                || p.equals("/ingest/v1/telemetry") || p.equals("/v1/ingest"));
        assertThat(device.path("paths").propertyNames()).contains("/{tenant}/controller/v1/{controllerId}");
        assertThat(paths.propertyNames()).noneMatch(p -> p.contains("/controller/v1/"));
        assertThat(device.path("servers").get(0).path("variables").path("port").path("default").asString())
                .isEqualTo("8443");
    }

    @Test
    void deviceListenerRepliesConformToTheDeviceDocument() {
        OpenApiContract deviceContract = new OpenApiContract(api.get(null, "/v3/api-docs/device").expect(200)
                .toString());
        TestTenant t = newTenant();
        String key = api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "factory")).expect(201)
                .path("key").asString();
        DevicePort port = new DevicePort(api, listener.port());

        Reply registered = port.post("/device/v1/register", Map.of("X-Provisioning-Key", key),
                Map.of("name", "edge-1", "type", "gateway"));
        String deviceKey = registered.expect(201).path("device_key").asString();
        String deviceId = registered.json().path("device_id").asString();
        Map<String, String> auth = Map.of("X-Device-Key", deviceKey);
        Reply noShadow = port.call("GET", "/device/v1/shadow", auth, null);
        api.patch(t.admin(), "/api/v1/devices/" + deviceId + "/shadow", "{\"state\":{\"desired\":{\"rate\":5}}}",
                null).expect(200);
        List<Reply> replies = List.of(registered, noShadow,
                port.call("GET", "/device/v1/shadow/delta", auth, null),
                port.call("PATCH", "/device/v1/shadow", auth, "{\"state\":{\"reported\":{\"rate\":5}},\"version\":1}"),
                port.call("GET", "/device/v1/shadow", auth, null),
                port.call("GET", "/device/v1/commands", auth, null),
                port.call("GET", "/device/v1/shadow", Map.of(), null),
                port.post("/device/v1/register", Map.of("X-Provisioning-Key", "fkp_nonsense"),
                        Map.of("name", "edge-2")),
                port.post("/device/v1/telemetry", auth, "[{\"n\":1},{\"n\":2}]"),
                port.post("/v1/ingest", auth, "{\"n\":[1]}"));
        assertThat(replies).extracting(Reply::status).containsExactly(201, 404, 200, 200, 200, 200, 401, 401, 202,
                400);
        for (String path : List.of("/telemetry?limit=1", "/telemetry?bucket=1h&agg=avg,count,last", "/telemetry/latest")) {
            check(api.get(t.admin(), "/api/v1/devices/" + deviceId + path), 200);
        }
        check(api.get(t.admin(), "/api/v1/telemetry/latest?metric=n"), 200);
        check(api.get(t.admin(), "/api/v1/telemetry/settings"), 200);
        replies.forEach(r -> violations.addAll(deviceContract.violations(r)));
    }

    @Test
    void rotationRepliesConformToBothDocuments() throws Exception {
        OpenApiContract deviceContract = new OpenApiContract(api.get(null, "/v3/api-docs/device").expect(200)
                .toString());
        TestTenant t = newTenant();
        MqttDevices devices = new MqttDevices(api);
        devices.cas(t);
        CertDevice d = devices.certDevice(t, "rotating");
        String slot = "/api/v1/devices/" + d.id() + "/slots/identity";
        check(api.get(t.admin(), slot), 200);
        check(api.post(t.admin(), slot + "/rollback", null), 409);
        String successor = check(api.post(t.admin(), slot + "/rotate", null), 200).path("pending_successor_id")
                .asString();
        DevicePort port = new DevicePort(api, listener.port(), d.key(), d.chain());
        List<Reply> replies = List.of(port.call("GET", "/device/v1/certificates/rotation", Map.of(), null),
                port.post("/device/v1/certificates/rotation/accept", Map.of(), Map.of("certificate_id", "x")),
                port.post("/device/v1/certificates/rotation/accept", Map.of(), Map.of("certificate_id", successor)),
                port.call("GET", "/device/v1/certificates/rotation", Map.of(), null));
        assertThat(replies).extracting(Reply::status).containsExactly(200, 400, 200, 204);
        replies.forEach(r -> violations.addAll(deviceContract.violations(r)));
        check(api.get(t.admin(), "/api/v1/devices/" + d.id() + "/events?slot=identity"), 200);
        check(api.post(t.admin(), slot + "/rollback", null), 200);
        check(api.get(t.admin(), "/api/v1/devices/" + d.id() + "/slots"), 200);
    }

    @Test
    void templatesAndDeviceInstancesConform() {
        TestTenant t = newTenant();
        JsonNode template = check(api.post(t.admin(), "/api/v1/templates", io.fleetkeeper.template.TemplateApiTests
                .meterTemplate("meter")), 201);
        String tid = template.path("id").asString();
        check(api.get(t.admin(), "/api/v1/templates"), 200);
        check(api.get(t.admin(), "/api/v1/templates/" + tid), 200);
        check(api.get(t.admin(), "/api/v1/templates/" + tid + "/versions"), 200);
        String gw = check(api.post(t.admin(), "/api/v1/devices", device("gateway")), 201).path("id").asString();
        String id = check(api.post(t.admin(), "/api/v1/devices", Map.of("name", "m", "template_id", tid,
                "parent_device_id", gw, "metadata", Map.of("location", "roof"))), 201).path("id").asString();
        check(api.call("PUT", "/api/v1/templates/" + tid).token(t.admin())
                .body(io.fleetkeeper.template.TemplateApiTests.meterTemplate("meter")).send(), 200);
        String path = "/api/v1/devices/" + id;
        check(api.get(t.admin(), "/api/v1/devices/" + gw + "/children"), 200);
        check(api.post(t.admin(), path + "/template-upgrade", Map.of()), 200);
        check(api.get(t.admin(), path + "/sensors"), 200);
        check(api.post(t.admin(), path + "/sensors", Map.of("key", "extra", "data_type", "number")), 201);
        check(api.get(t.admin(), path + "/sensors/extra"), 200);
        check(api.patch(t.admin(), path + "/sensors/extra", Map.of("enabled", false), null), 200);
        check(api.delete(t.admin(), path + "/sensors/extra"), 204);
        check(api.get(t.admin(), "/api/v1/sensors?limit=1"), 200);
        check(api.call("PUT", path + "/transports/https").token(t.admin()).body(Map.of("settings", Map.of()))
                .send(), 201);
        check(api.get(t.admin(), path + "/transports"), 200);
        check(api.delete(t.admin(), path + "/transports/https"), 204);
        check(api.call("PUT", path + "/modules/modem").token(t.admin()).body(Map.of("kind", "lte-m",
                "firmware_version", "1.2")).send(), 201);
        check(api.get(t.admin(), path + "/modules"), 200);
        check(api.delete(t.admin(), path + "/modules/modem"), 204);
        check(api.post(t.admin(), "/api/v1/devices", Map.of("name", "x", "template_id", tid)), 400);
    }

    /** Every reply a test checked conforms; all departures are listed at once. */
    @AfterEach
    void everyReplyConformed() {
        assertThat(violations).as("replies that contradict /v3/api-docs").isEmpty();
    }

    /** Asserts the status and records how the reply departs from the document; returns the body. */
    private JsonNode check(Reply reply, int status) {
        JsonNode body = reply.expect(status);
        violations.addAll(contract.violations(reply));
        return body;
    }
}
