package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** What every endpoint promises: problem+json errors with stable codes, strict bodies, atomic failures. */
class ApiContractTests extends ApiTest {

    private static final int MIB = 1024 * 1024;

    /** One way to fail, by the status and code it must answer with. */
    record Failure(String what, int status, String code, Function<Ctx, Reply> request) {
        @Override
        public String toString() {
            return what + " -> " + status + " " + code;
        }
    }

    /** What a failure needs to be provoked: the client and a tenant with one device. */
    record Ctx(Api api, TestTenant tenant, String device) {
    }

    static Stream<Failure> failures() {
        return Stream.of(
                new Failure("no credentials", 401, "UNAUTHENTICATED", c -> c.api().get(null, "/api/v1/devices")),
                new Failure("viewer writes", 403, "FORBIDDEN", ApiContractTests::viewerWrites),
                new Failure("unknown device", 404, "NOT_FOUND",
                        c -> c.api().get(c.tenant().admin(), "/api/v1/devices/" + UUID.randomUUID())),
                new Failure("unknown route", 404, "NOT_FOUND", c -> c.api().get(c.tenant().admin(), "/api/v1/nothing")),
                new Failure("wrong method", 405, "METHOD_NOT_ALLOWED",
                        c -> c.api().call("PUT", "/api/v1/devices").token(c.tenant().admin()).body("{}").send()),
                new Failure("wrong content type", 415, "UNSUPPORTED_MEDIA_TYPE",
                        c -> c.api().call("POST", "/api/v1/devices").token(c.tenant().admin())
                                .body("text/plain", BodyPublishers.ofString("name=x")).send()),
                new Failure("not JSON", 400, "MALFORMED_REQUEST",
                        c -> c.api().post(c.tenant().admin(), "/api/v1/devices", "{\"name\":")),
                new Failure("no body", 400, "MALFORMED_REQUEST",
                        c -> c.api().call("POST", "/api/v1/sites").token(c.tenant().admin())
                                .header("Content-Type", "application/json").send()),
                new Failure("wrong JSON type", 400, "MALFORMED_REQUEST",
                        c -> c.api().post(c.tenant().admin(), "/api/v1/devices", "{\"name\":\"x\",\"tags\":\"a\"}")),
                new Failure("patch not an object", 400, "MALFORMED_REQUEST",
                        c -> c.api().patch(c.tenant().admin(), "/api/v1/devices/" + c.device(), "[1]", null)),
                new Failure("malformed id", 400, "INVALID_PARAMETER",
                        c -> c.api().get(c.tenant().admin(), "/api/v1/sites/42")),
                new Failure("bad limit", 400, "INVALID_PARAMETER",
                        c -> c.api().get(c.tenant().admin(), "/api/v1/audit?limit=-1")),
                new Failure("bad cursor", 400, "INVALID_CURSOR",
                        c -> c.api().get(c.tenant().admin(), "/api/v1/sites?cursor=zzz")),
                new Failure("invalid value", 400, "VALIDATION_FAILED",
                        c -> c.api().post(c.tenant().admin(), "/api/v1/devices", "{\"name\":\"x\"}")),
                new Failure("stale version", 412, "PRECONDITION_FAILED",
                        c -> c.api().patch(c.tenant().admin(), "/api/v1/devices/" + c.device(), "{\"name\":\"y\"}",
                                "\"7\"")),
                new Failure("duplicate", 409, "ALREADY_EXISTS", c -> {
                    c.api().post(c.tenant().admin(), "/api/v1/sites", "{\"name\":\"twice\"}").expect(201);
                    return c.api().post(c.tenant().admin(), "/api/v1/sites", "{\"name\":\"twice\"}");
                }),
                new Failure("invalid transition", 409, "INVALID_TRANSITION",
                        c -> c.api().post(c.tenant().admin(), "/api/v1/devices/" + c.device() + "/resume", null)),
                new Failure("body too large", 413, "PAYLOAD_TOO_LARGE",
                        c -> c.api().post(c.tenant().admin(), "/api/v1/sites", "{\"name\":\"" + "x".repeat(MIB)
                                + "\"}")));
    }

    private static Reply viewerWrites(Ctx c) {
        String viewer = c.api().post(c.tenant().admin(), "/api/v1/tokens", Map.of("name", "v", "role", "viewer"))
                .expect(201).path("token").asString();
        return c.api().post(viewer, "/api/v1/devices", "{}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void everyErrorIsProblemJsonWithAStableCode(Failure failure) {
        TestTenant tenant = newTenant();
        Ctx ctx = new Ctx(api, tenant, createDevice(tenant.admin(), device("d")).path("id").asString());

        Reply reply = failure.request().apply(ctx);

        JsonNode problem = reply.expectProblem(failure.status(), failure.code());
        assertThat(problem.path("title").asString()).isNotEmpty();
        assertThat(problem.path("type").asString()).startsWith("https://");
        assertThat(problem.path("request_id").asString()).isEqualTo(reply.header("X-Request-Id"));
    }

    @Test
    void unknownFieldIsRefusedByName() {
        TestTenant tenant = newTenant();
        String device = createDevice(tenant.admin(), device("d")).path("id").asString();

        String colour = ",\"colour\":\"red\"}";
        for (Reply reply : List.of(
                api.post(tenant.admin(), "/api/v1/devices", "{\"name\":\"x\",\"device_type\":\"t\"" + colour),
                api.patch(tenant.admin(), "/api/v1/devices/" + device, "{\"name\":\"x\"" + colour, null),
                api.post(tenant.admin(), "/api/v1/sites", "{\"name\":\"x\"" + colour),
                api.post(tenant.admin(), "/api/v1/device-types", "{\"name\":\"x\"" + colour),
                api.post(tenant.admin(), "/api/v1/tokens", "{\"name\":\"x\",\"role\":\"viewer\"" + colour),
                api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants", "{\"name\":\"x-y\"" + colour))) {
            JsonNode problem = reply.expectProblem(400, "UNKNOWN_FIELD");
            assertThat(problem.path("errors").findValuesAsString("field")).as(reply.request())
                    .containsExactly("colour");
        }
        assertUntouched(tenant, device);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"id", "status", "version", "registered_at", "updated_at", "last_seen_at"})
    void serverOwnedFieldIsReadOnly(String field) {
        TestTenant tenant = newTenant();
        String device = createDevice(tenant.admin(), device("d")).path("id").asString();
        String value = field.equals("version") ? "5" : "\"x\"";

        JsonNode onCreate = api.post(tenant.admin(), "/api/v1/devices",
                "{\"name\":\"x\",\"device_type\":\"t\",\"" + field + "\":" + value + "}")
                .expectProblem(400, "READ_ONLY_FIELD");
        JsonNode onPatch = api.patch(tenant.admin(), "/api/v1/devices/" + device, "{\"" + field + "\":" + value + "}",
                null).expectProblem(400, "READ_ONLY_FIELD");

        assertThat(onCreate.path("errors").findValuesAsString("field")).containsExactly(field);
        assertThat(onPatch.path("errors").findValuesAsString("field")).containsExactly(field);
        assertUntouched(tenant, device);
    }

    @Test
    void serverOwnedFieldsOfSitesAreReadOnly() {
        TestTenant tenant = newTenant();
        String site = createSite(tenant.admin(), "plant").path("id").asString();

        api.post(tenant.admin(), "/api/v1/sites", "{\"name\":\"x\",\"id\":\"" + site + "\"}")
                .expectProblem(400, "READ_ONLY_FIELD");
        api.patch(tenant.admin(), "/api/v1/sites/" + site, "{\"version\":9}", null)
                .expectProblem(400, "READ_ONLY_FIELD");

        assertThat(api.get(tenant.admin(), "/api/v1/sites/" + site).expect(200).path("version").asLong())
                .isEqualTo(1);
    }

    @Test
    void validationErrorsListEveryInvalidField() {
        TestTenant tenant = newTenant();

        JsonNode problem = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "", "device_type", "no spaces",
                "serial", "has space", "tags", new String[] {"ok", "not ok"}, "metadata", Map.of("bad key", "v")))
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("name", "device_type", "serial", "tags[1]", "metadata.bad key");
        assertThat(problem.path("errors").findValuesAsString("message")).allSatisfy(m -> assertThat(m).isNotBlank());
        assertThat(problem.path("detail").asString()).isEqualTo("5 fields are invalid");
    }

    @Test
    void bodyOverOneMebibyteIsRefusedWhenDeclaredOrStreamed() {
        TestTenant tenant = newTenant();
        byte[] big = ("{\"name\":\"" + "x".repeat(MIB) + "\",\"device_type\":\"t\"}").getBytes(StandardCharsets.UTF_8);

        api.call("POST", "/api/v1/devices").token(tenant.admin())
                .body("application/json", BodyPublishers.ofByteArray(big)).send()
                .expectProblem(413, "PAYLOAD_TOO_LARGE");
        api.call("POST", "/api/v1/devices").token(tenant.admin())
                .body("application/json", BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).send()
                .expectProblem(413, "PAYLOAD_TOO_LARGE");

        assertThat(stats(tenant.admin()).path("total").asLong()).isZero();
    }

    @Test
    void bodyJustUnderTheLimitIsAccepted() {
        TestTenant tenant = newTenant();
        String description = "x".repeat(1000);
        String padding = " ".repeat(MIB - 2000);

        api.post(tenant.admin(), "/api/v1/sites", "{\"name\":\"big\",\"description\":\"" + description + "\"}"
                + padding).expect(201);
    }

    @Test
    void failedCreateWritesNothing() {
        TestTenant tenant = newTenant();
        createDevice(tenant.admin(), Map.of("name", "d", "device_type", "t", "serial", "SN-1"));
        JsonNode statsBefore = stats(tenant.admin());
        JsonNode listBefore = api.get(tenant.admin(), "/api/v1/devices").expect(200);
        JsonNode auditBefore = api.get(tenant.admin(), "/api/v1/audit").expect(200);

        api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "", "device_type", "t"))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "e", "device_type", "t", "serial", "SN-1"))
                .expectProblem(409, "ALREADY_EXISTS");
        api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "e", "device_type", "t", "tags", new String[] {"!"}))
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(stats(tenant.admin())).isEqualTo(statsBefore);
        assertThat(api.get(tenant.admin(), "/api/v1/devices").expect(200)).isEqualTo(listBefore);
        assertThat(api.get(tenant.admin(), "/api/v1/audit").expect(200)).isEqualTo(auditBefore);
    }

    @Test
    void failedPatchLeavesTheDeviceAsItWas() {
        TestTenant tenant = newTenant();
        createDevice(tenant.admin(), Map.of("name", "other", "device_type", "t", "serial", "SN-TAKEN"));
        JsonNode before = createDevice(tenant.admin(), Map.of("name", "d", "device_type", "t",
                "metadata", Map.of("k", "v"), "tags", new String[] {"a"}));
        String path = "/api/v1/devices/" + before.path("id").asString();
        JsonNode statsBefore = stats(tenant.admin());

        api.patch(tenant.admin(), path, "{\"name\":\"new\",\"tags\":[\"ok\",\"not ok\"]}", null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), path, "{\"name\":\"new\",\"serial\":\"SN-TAKEN\"}", null)
                .expectProblem(409, "ALREADY_EXISTS");
        api.patch(tenant.admin(), path, "{\"device_type\":\"other\",\"metadata\":{\"bad key\":5}}", null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), path, "{\"name\":\"new\",\"site\":\"" + UUID.randomUUID() + "\"}", null)
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(api.get(tenant.admin(), path).expect(200)).isEqualTo(before);
        assertThat(api.get(tenant.admin(), path + "/events").expect(200).path("items")).hasSize(1);
        assertThat(stats(tenant.admin())).isEqualTo(statsBefore);
        assertThat(api.get(tenant.admin(), "/api/v1/devices?tag=ok").expect(200).path("items")).isEmpty();
    }

    @Test
    void malformedBodiesAreDescribedInTheRequestsTermsWithoutJavaTypes() {
        TestTenant tenant = newTenant();
        Map<String, String> details = new java.util.LinkedHashMap<>();
        for (String body : List.of("{\"name\":\"x\",\"device_type\":\"t\",\"tags\":\"a\"}",
                "{\"name\":{\"a\":1},\"device_type\":\"t\"}",
                "{\"name\":\"x\",\"device_type\":\"t\",\"site\":\"not-a-uuid\"}",
                "{\"name\":\"x\",\"device_type\":\"t\",\"metadata\":[1]}", "{\"name\":", "[1,2]")) {
            details.put(body, api.post(tenant.admin(), "/api/v1/devices", body).expectProblem(400, "MALFORMED_REQUEST")
                    .path("detail").asString());
        }

        assertThat(details.values()).containsExactly(
                "field 'tags' must be an array",
                "field 'name' must be a string",
                "field 'site' has the value 'not-a-uuid', which is not a UUID string",
                "field 'metadata' must be an object",
                "request body is not valid JSON (line 1, column 9)",
                "request body must be an object");
        assertThat(String.join(" ", details.values())).doesNotContain("java", "`", "Cannot", "io.fleetkeeper");
    }

    @Test
    void missingCredentialsAreChallenged() {
        Reply reply = api.get(null, "/api/v1/devices");

        reply.expectProblem(401, "UNAUTHENTICATED");
        assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"fleetkeeper\"");
        api.post(null, "/api/v1/operator/tenants", Map.of("name", "anonymous")).expectProblem(401, "UNAUTHENTICATED");
    }

    /** The tenant still has just its device, as created, and no site, type or extra token. */
    private void assertUntouched(TestTenant tenant, String device) {
        JsonNode d = api.get(tenant.admin(), "/api/v1/devices/" + device).expect(200);
        assertThat(d.path("version").asLong()).isEqualTo(1);
        assertThat(d.path("name").asString()).isEqualTo("d");
        assertThat(stats(tenant.admin()).path("total").asLong()).isEqualTo(1);
        assertThat(api.get(tenant.admin(), "/api/v1/sites").expect(200).path("items")).isEmpty();
        assertThat(api.get(tenant.admin(), "/api/v1/device-types").expect(200).path("items")).isEmpty();
        assertThat(api.get(tenant.admin(), "/api/v1/tokens").expect(200).path("items")).hasSize(1);
    }
}
