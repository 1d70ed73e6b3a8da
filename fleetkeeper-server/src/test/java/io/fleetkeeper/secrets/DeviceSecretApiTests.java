package io.fleetkeeper.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Device secret slots (TOKEN, SSH_KEY, OTHER) through the management API: shown once, versioned, isolated. */
class DeviceSecretApiTests extends ApiTest {

    static String secrets(String device) {
        return "/api/v1/devices/" + device + "/secrets";
    }

    static Map<String, Object> generated(String slot, String type) {
        Map<String, Object> body = new HashMap<>();
        body.put("slot", slot);
        body.put("type", type);
        body.put("generate", true);
        return body;
    }

    @Test
    void aGeneratedTokenIsShownOnceAndNeverReadBack() throws Exception {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("pump")).path("id").asString();
        Map<String, Object> body = generated("wifi", "TOKEN");
        body.put("description", "site wifi token");
        var reply = api.post(t.admin(), secrets(id), body);
        JsonNode created = reply.expect(201);
        String value = created.path("value").asString();
        assertThat(value).matches("[A-Za-z0-9_-]{43}");
        assertThat(reply.header("Location")).endsWith(secrets(id) + "/wifi");
        assertThat(reply.etag()).isEqualTo("\"1\"");
        JsonNode secret = created.path("secret");
        assertThat(secret.path("type").asString()).isEqualTo("TOKEN");
        assertThat(secret.path("status").asString()).isEqualTo("ACTIVE");
        assertThat(secret.path("active_version").asInt()).isEqualTo(1);
        assertThat(secret.path("fingerprint").asString()).isEqualTo("sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)), 0, 8));

        String one = api.get(t.admin(), secrets(id) + "/wifi").expect(200).toString();
        String list = api.get(t.admin(), secrets(id)).expect(200).toString();
        String events = api.get(t.admin(), "/api/v1/devices/" + id + "/events").expect(200).toString();
        String audit = api.get(t.admin(), "/api/v1/audit").expect(200).toString();
        assertThat(List.of(one, list, events, audit)).noneMatch(s -> s.contains(value));
        assertThat(one).doesNotContain("\"value\"");
        assertThat(events).contains("SECRET-CREATED");
        assertThat(audit).contains("secret.create");
    }

    @Test
    void rotationAddsAVersionAndSupersedesThePreviousOne() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("pump")).path("id").asString();
        String first = api.post(t.admin(), secrets(id), Map.of("slot", "api", "type", "OTHER",
                "value", "correct horse battery staple")).expect(201).path("value").asString();
        assertThat(first).isEqualTo("correct horse battery staple");
        String path = secrets(id) + "/api";

        api.call("POST", path + "/rotate").token(t.admin()).header("If-Match", "\"7\"")
                .body(Map.of("generate", true)).send().expectProblem(412, "PRECONDITION_FAILED");
        Instant expires = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
        var rotated = api.call("POST", path + "/rotate").token(t.admin()).header("If-Match", "\"1\"")
                .body(Map.of("generate", true, "expires_at", expires.toString())).send();
        JsonNode r = rotated.expect(200);
        assertThat(rotated.etag()).isEqualTo("\"2\"");
        assertThat(r.path("value").asString()).hasSize(43).isNotEqualTo(first);
        assertThat(r.path("secret").path("active_version").asInt()).isEqualTo(2);
        assertThat(Instant.parse(r.path("secret").path("expires_at").asString())).isEqualTo(expires);

        JsonNode slot = api.get(t.admin(), path).expect(200);
        assertThat(slot.path("versions").valueStream().map(v -> v.path("version").asInt() + ":"
                + v.path("status").asString()).toList()).containsExactly("1:SUPERSEDED", "2:ACTIVE");
        assertThat(slot.path("versions").get(0).path("ended_at").isNull()).isFalse();

        JsonNode revoked = api.post(t.admin(), path + "/revoke", null).expect(200);
        assertThat(revoked.path("status").asString()).isEqualTo("REVOKED");
        assertThat(revoked.path("active_version").isNull()).isTrue();
        assertThat(api.post(t.admin(), path + "/revoke", null).expect(200).path("version").asLong())
                .as("revoking twice changes nothing").isEqualTo(revoked.path("version").asLong());
        JsonNode again = api.post(t.admin(), path + "/rotate", Map.of("value", "a new passphrase")).expect(200);
        assertThat(again.path("secret").path("active_version").asInt()).isEqualTo(3);
        assertThat(api.get(t.admin(), path).expect(200).path("versions").valueStream()
                .map(v -> v.path("status").asString()).toList()).containsExactly("SUPERSEDED", "REVOKED", "ACTIVE");
        String events = api.get(t.admin(), "/api/v1/devices/" + id + "/events").expect(200).toString();
        assertThat(events).contains("SECRET-ROTATED", "SECRET-REVOKED").doesNotContain("a new passphrase");

        api.call("DELETE", path).token(t.admin()).header("If-Match", "\"1\"").send()
                .expectProblem(412, "PRECONDITION_FAILED");
        api.delete(t.admin(), path).expect(204);
        api.get(t.admin(), path).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(t.admin(), "/api/v1/audit").expect(200).toString())
                .contains("secret.rotate", "secret.revoke", "secret.delete");
    }

    @Test
    void theListIsPagedBySlotName() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("pump")).path("id").asString();
        for (String slot : List.of("c", "a", "b")) {
            api.post(t.admin(), secrets(id), generated(slot, "TOKEN")).expect(201);
        }
        JsonNode first = api.get(t.admin(), secrets(id) + "?limit=2").expect(200);
        assertThat(first.path("items").valueStream().map(n -> n.path("slot").asString()).toList())
                .containsExactly("a", "b");
        assertThat(first.path("items").get(0).has("versions")).isFalse();
        JsonNode second = api.get(t.admin(), secrets(id) + "?limit=2&cursor="
                + first.path("next_cursor").asString()).expect(200);
        assertThat(second.path("items").valueStream().map(n -> n.path("slot").asString()).toList())
                .containsExactly("c");
        assertThat(second.path("next_cursor").isNull()).isTrue();
    }

    @Test
    void badInputIsRefusedWithACodeAndChangesNothing() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("pump")).path("id").asString();
        String path = secrets(id);
        Map<String, Object> both = generated("x", "TOKEN");
        both.put("value", "0123456789abcdefXYZ");
        api.post(t.admin(), path, both).expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path, Map.of("slot", "x", "type", "TOKEN")).expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path, generated("Bad Slot", "TOKEN")).expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path, Map.of("type", "TOKEN", "generate", true)).expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path, Map.of("slot", "x", "generate", true)).expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path, generated("x", "X509")).expectProblem(400, "MALFORMED_REQUEST");
        api.post(t.admin(), path, Map.of("slot", "x", "type", "TOKEN", "value", "short"))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path, Map.of("slot", "x", "type", "SSH_KEY", "value", "ssh-ed25519 bm90IGEga2V5"))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path, Map.of("slot", "x", "type", "SSH_KEY", "value", "ssh-dss AAAAB3NzaC1kc3M="))
                .expectProblem(400, "VALIDATION_FAILED");
        Map<String, Object> past = generated("x", "TOKEN");
        past.put("expires_at", "2020-01-01T00:00:00Z");
        api.post(t.admin(), path, past).expectProblem(400, "VALIDATION_FAILED");
        Map<String, Object> unknown = generated("x", "TOKEN");
        unknown.put("colour", "red");
        api.post(t.admin(), path, unknown).expectProblem(400, "UNKNOWN_FIELD");
        api.post(t.admin(), path, generated("identity", "TOKEN")).expectProblem(409, "ALREADY_EXISTS");
        assertThat(api.get(t.admin(), path).expect(200).path("items").isEmpty()).isTrue();

        api.post(t.admin(), path, generated("x", "TOKEN")).expect(201);
        api.post(t.admin(), path, generated("x", "OTHER")).expectProblem(409, "ALREADY_EXISTS");
        api.post(t.admin(), path + "/x/rotate", Map.of()).expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path + "/x/rotate", Map.of("value", "tiny")).expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), path + "/nope/rotate", Map.of("generate", true)).expectProblem(404, "NOT_FOUND");
        api.patch(t.admin(), path + "/x", Map.of("description", "d".repeat(501)), null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(t.admin(), path + "/x", Map.of("value", "sneaky-new-value-123"), null)
                .expectProblem(400, "UNKNOWN_FIELD");
        JsonNode x = api.get(t.admin(), path + "/x").expect(200);
        assertThat(x.path("latest_version").asInt()).isEqualTo(1);
        assertThat(x.path("version").asInt()).isEqualTo(1);
    }

    @Test
    void anotherTenantsDeviceAndSecretsAnswer404() {
        TestTenant owner = newTenant();
        TestTenant other = newTenant();
        String id = createDevice(owner.admin(), device("pump")).path("id").asString();
        api.post(owner.admin(), secrets(id), generated("wifi", "TOKEN")).expect(201);
        String path = secrets(id);
        api.get(other.admin(), path).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path + "/wifi").expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), path, generated("mine", "TOKEN")).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), path + "/wifi/rotate", Map.of("generate", true)).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), path + "/wifi/revoke", null).expectProblem(404, "NOT_FOUND");
        api.patch(other.admin(), path + "/wifi", Map.of("device_readable", true), null)
                .expectProblem(404, "NOT_FOUND");
        api.delete(other.admin(), path + "/wifi").expectProblem(404, "NOT_FOUND");
        assertThat(api.get(owner.admin(), path + "/wifi").expect(200).path("status").asString()).isEqualTo("ACTIVE");
    }

    @Test
    void viewersReadMetadataButChangeNothing() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("pump")).path("id").asString();
        api.post(t.admin(), secrets(id), generated("wifi", "TOKEN")).expect(201);
        String viewer = token(t, "viewer");
        api.get(viewer, secrets(id) + "/wifi").expect(200);
        api.post(viewer, secrets(id), generated("more", "TOKEN")).expectProblem(403, "FORBIDDEN");
        api.post(viewer, secrets(id) + "/wifi/rotate", Map.of("generate", true)).expectProblem(403, "FORBIDDEN");
    }

    @Test
    void decommissioningRevokesEverySecretAndRefusesNewOnes() {
        TestTenant t = newTenant();
        JsonNode d = createDevice(t.admin(), device("pump"));
        String id = d.path("id").asString();
        api.post(t.admin(), secrets(id), generated("a", "TOKEN")).expect(201);
        api.post(t.admin(), secrets(id), generated("b", "SSH_KEY")).expect(201);
        api.post(t.admin(), "/api/v1/devices/" + id + "/decommission", Map.of("reason", "flooded")).expect(200);
        JsonNode list = api.get(t.admin(), secrets(id)).expect(200);
        assertThat(list.path("items").valueStream().map(n -> n.path("status").asString()).toList())
                .containsExactly("REVOKED", "REVOKED");
        api.post(t.admin(), secrets(id) + "/a/rotate", Map.of("generate", true)).expectProblem(409, "CONFLICT");
        api.post(t.admin(), secrets(id), generated("c", "TOKEN")).expectProblem(409, "CONFLICT");
        assertThat(api.get(t.admin(), "/api/v1/devices/" + id + "/events").expect(200).toString())
                .contains("SECRET-REVOKED");
    }
}
