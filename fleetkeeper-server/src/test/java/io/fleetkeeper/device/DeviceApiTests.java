package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Create, read, merge-patch, lifecycle actions and purge of one device. */
class DeviceApiTests extends ApiTest {

    @Test
    void createAnswers201WithEtagLocationAndServerFields() {
        TestTenant tenant = newTenant();
        String site = createSite(tenant.admin(), "plant").path("id").asString();
        Map<String, Object> fields = device("pump 7");
        fields.putAll(Map.of("serial", "SN-0007", "tags", List.of("pump", "north"), "metadata",
                Map.of("room", "101"), "firmware_version", "1.2.0", "hardware_revision", "B", "site", site));

        var reply = api.post(tenant.admin(), "/api/v1/devices", fields);

        JsonNode created = reply.expect(201);
        String id = created.path("id").asString();
        assertThat(reply.etag()).isEqualTo("\"1\"");
        assertThat(reply.header("Location")).endsWith("/api/v1/devices/" + id);
        assertThat(created.path("status").asString()).isEqualTo("active");
        assertThat(created.path("version").asLong()).isEqualTo(1);
        assertThat(created.path("registered_at").asString()).isNotEmpty();
        assertThat(created.path("last_seen_at").isNull()).isTrue();
        assertThat(created.path("tags").valueStream().map(JsonNode::asString)).containsExactly("pump", "north");
        assertThat(created.path("metadata").path("room").asString()).isEqualTo("101");
        assertThat(created.path("site").asString()).isEqualTo(site);

        var read = api.get(tenant.admin(), reply.header("Location"));

        assertThat(read.expect(200)).isEqualTo(created);
        assertThat(read.etag()).isEqualTo("\"1\"");
    }

    @Test
    void unknownDeviceIsNotFoundAndMalformedIdIsInvalid() {
        TestTenant tenant = newTenant();

        api.get(tenant.admin(), "/api/v1/devices/" + UUID.randomUUID()).expectProblem(404, "NOT_FOUND");
        api.get(tenant.admin(), "/api/v1/devices/not-a-uuid").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void mergePatchChangesOnlyTheGivenFieldsAndBumpsTheVersion() {
        TestTenant tenant = newTenant();
        Map<String, Object> fields = device("pump");
        fields.putAll(Map.of("serial", "SN-1", "firmware_version", "1.0"));
        String id = createDevice(tenant.admin(), fields).path("id").asString();

        var reply = api.call("PATCH", "/api/v1/devices/" + id).token(tenant.admin()).header("If-Match", "\"1\"")
                .body("application/merge-patch+json", java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"pump renamed\",\"tags\":[\"a\",\"a\",\"b\"]}"))
                .send();

        JsonNode patched = reply.expect(200);
        assertThat(reply.etag()).isEqualTo("\"2\"");
        assertThat(patched.path("version").asLong()).isEqualTo(2);
        assertThat(patched.path("name").asString()).isEqualTo("pump renamed");
        assertThat(patched.path("tags").valueStream().map(JsonNode::asString)).containsExactly("a", "b");
        assertThat(patched.path("serial").asString()).isEqualTo("SN-1");
        assertThat(patched.path("firmware_version").asString()).isEqualTo("1.0");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200)).isEqualTo(patched);
    }

    @Test
    void staleIfMatchIsRefusedAndChangesNothing() {
        TestTenant tenant = newTenant();
        String id = createDevice(tenant.admin(), device("pump")).path("id").asString();
        api.patch(tenant.admin(), "/api/v1/devices/" + id, "{\"name\":\"first\"}", "\"1\"").expect(200);

        api.patch(tenant.admin(), "/api/v1/devices/" + id, "{\"name\":\"second\"}", "\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        api.post(tenant.admin(), "/api/v1/devices/" + id + "/suspend", null).expect(200);
        api.call("POST", "/api/v1/devices/" + id + "/resume").token(tenant.admin()).header("If-Match", "\"1\"")
                .send().expectProblem(412, "PRECONDITION_FAILED");
        api.call("DELETE", "/api/v1/devices/" + id).token(tenant.admin()).header("If-Match", "\"2\"")
                .send().expectProblem(412, "PRECONDITION_FAILED");

        JsonNode current = api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200);
        assertThat(current.path("name").asString()).isEqualTo("first");
        assertThat(current.path("status").asString()).isEqualTo("suspended");
        assertThat(current.path("version").asLong()).isEqualTo(3);
    }

    @Test
    void nullRemovesAMetadataKeyOrClearsAField() {
        TestTenant tenant = newTenant();
        Map<String, Object> fields = device("pump");
        fields.putAll(Map.of("serial", "SN-1", "tags", List.of("x"), "metadata", Map.of("a", "1", "b", "2")));
        String id = createDevice(tenant.admin(), fields).path("id").asString();

        JsonNode patched = api.patch(tenant.admin(), "/api/v1/devices/" + id,
                "{\"metadata\":{\"a\":null,\"c\":\"3\"},\"serial\":null,\"tags\":null}", null).expect(200);

        assertThat(patched.path("metadata").properties()).extracting(Map.Entry::getKey).containsExactly("b", "c");
        assertThat(patched.path("serial").isNull()).isTrue();
        assertThat(patched.path("tags")).isEmpty();
        assertThat(api.get(tenant.admin(), "/api/v1/devices?metadata=a=1").expect(200).path("items")).isEmpty();
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?metadata=c=3").expect(200))).containsExactly(id);
    }

    @Test
    void patchThatChangesNothingKeepsTheVersion() {
        TestTenant tenant = newTenant();
        String id = createDevice(tenant.admin(), device("pump")).path("id").asString();

        JsonNode same = api.patch(tenant.admin(), "/api/v1/devices/" + id, "{\"name\":\"pump\"}", "\"1\"")
                .expect(200);

        assertThat(same.path("version").asLong()).isEqualTo(1);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id + "/events").expect(200).path("items")).hasSize(1);
    }

    @Test
    void lifecycleActionsFollowTheAllowedTransitions() {
        TestTenant tenant = newTenant();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();

        assertThat(status(api.post(tenant.admin(), path + "/suspend", null).expect(200))).isEqualTo("suspended");
        api.post(tenant.admin(), path + "/suspend", null).expectProblem(409, "INVALID_TRANSITION");
        assertThat(status(api.post(tenant.admin(), path + "/resume", null).expect(200))).isEqualTo("active");
        api.post(tenant.admin(), path + "/resume", null).expectProblem(409, "INVALID_TRANSITION");
        var decommissioned = api.post(tenant.admin(), path + "/decommission", null);
        assertThat(status(decommissioned.expect(200))).isEqualTo("decommissioned");
        assertThat(decommissioned.etag()).isEqualTo("\"4\"");
        for (String action : List.of("/suspend", "/resume", "/decommission")) {
            api.post(tenant.admin(), path + action, null).expectProblem(409, "INVALID_TRANSITION");
        }
        assertThat(api.get(tenant.admin(), path).expect(200).path("version").asLong()).isEqualTo(4);
    }

    @Test
    void decommissionedDeviceCannotBePatched() {
        TestTenant tenant = newTenant();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();
        api.post(tenant.admin(), path + "/decommission", null).expect(200);

        api.patch(tenant.admin(), path, "{\"name\":\"revived\"}", null).expectProblem(409, "CONFLICT");

        JsonNode device = api.get(tenant.admin(), path).expect(200);
        assertThat(device.path("name").asString()).isEqualTo("pump");
        assertThat(device.path("version").asLong()).isEqualTo(2);
    }

    @Test
    void purgeDeletesTheDeviceAndItsHistoryAndFreesItsSerial() {
        TestTenant tenant = newTenant();
        Map<String, Object> fields = device("pump");
        fields.put("serial", "SN-PURGE");
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), fields).path("id").asString();

        var purged = api.delete(tenant.admin(), path);

        assertThat(purged.status()).isEqualTo(204);
        assertThat(purged.body()).isEmpty();
        api.get(tenant.admin(), path).expectProblem(404, "NOT_FOUND");
        api.get(tenant.admin(), path + "/events").expectProblem(404, "NOT_FOUND");
        api.delete(tenant.admin(), path).expectProblem(404, "NOT_FOUND");
        createDevice(tenant.admin(), fields);
    }

    @Test
    void serialIsUniqueWithinATenant() {
        TestTenant tenant = newTenant();
        Map<String, Object> fields = device("pump");
        fields.put("serial", "SN-DUP");
        createDevice(tenant.admin(), fields);
        String other = createDevice(tenant.admin(), device("other")).path("id").asString();

        JsonNode onCreate = api.post(tenant.admin(), "/api/v1/devices", fields).expectProblem(409, "ALREADY_EXISTS");
        api.patch(tenant.admin(), "/api/v1/devices/" + other, "{\"serial\":\"SN-DUP\"}", null)
                .expectProblem(409, "ALREADY_EXISTS");

        assertThat(onCreate.path("errors").findValuesAsString("field")).containsExactly("serial");
        assertThat(stats(tenant.admin()).path("total").asLong()).isEqualTo(2);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + other).expect(200).path("version").asLong())
                .isEqualTo(1);
    }

    @Test
    void unknownSiteIsRefused() {
        TestTenant tenant = newTenant();
        Map<String, Object> fields = device("pump");
        fields.put("site", UUID.randomUUID().toString());

        JsonNode problem = api.post(tenant.admin(), "/api/v1/devices", fields).expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field")).containsExactly("site");
    }

    private static String status(JsonNode device) {
        return device.path("status").asString();
    }
}
