package io.fleetkeeper.shadow;

import static io.fleetkeeper.shadow.ShadowApiTests.desired;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code PUT …/shadow/desired} and {@code POST …/shadow/reported}: one section of the classic shadow. */
class ShadowSectionApiTests extends ApiTest {

    private TestTenant tenant;
    private String path;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
        path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();
    }

    @Test
    void putDesiredReplacesTheWholeSectionUnderIfMatch() {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":1,\"fan\":{\"speed\":3}}"), null).expect(200);

        Reply replaced = put("{\"fan\":{\"dir\":\"in\"}}", "\"1\"");
        JsonNode doc = replaced.expect(200);
        assertThat(replaced.etag()).isEqualTo("\"2\"");
        assertThat(doc.path("state").path("desired").toString()).isEqualTo("{\"fan\":{\"dir\":\"in\"}}");
        assertThat(doc.path("metadata").path("desired").has("a")).isFalse();

        put("{\"b\":2}", "\"1\"").expectProblem(412, "PRECONDITION_FAILED");
        put("[1]", null).expectProblem(400, "MALFORMED_REQUEST");
        put("{\"" + "k".repeat(129) + "\":1}", null).expectProblem(400, "VALIDATION_FAILED");
        put("{\"b\":2}", null, token(tenant, "viewer")).expectProblem(403, "FORBIDDEN");
        JsonNode now = api.get(tenant.admin(), path + "/shadow").expect(200);
        assertThat(now.path("version").asLong()).isEqualTo(2);
        assertThat(now.path("state").path("desired").toString()).isEqualTo("{\"fan\":{\"dir\":\"in\"}}");

        assertThat(put("{}", null).expect(200).path("state").path("desired").isEmpty()).isTrue();
    }

    @Test
    void putDesiredCreatesTheShadowAndItsDelta() {
        JsonNode doc = put("{\"mode\":\"eco\"}", null).expect(200);
        assertThat(doc.path("version").asLong()).isEqualTo(1);
        assertThat(doc.path("state").path("delta").toString()).isEqualTo("{\"mode\":\"eco\"}");
    }

    @Test
    void postReportedMergesWhenTheVersionMatches() {
        put("{\"t\":21}", null).expect(200);

        Reply reported = report("{\"reported\":{\"t\":20,\"fw\":\"1.2\"},\"version\":1,\"client_token\":\"gw-1\"}");
        JsonNode doc = reported.expect(200);
        assertThat(reported.etag()).isEqualTo("\"2\"");
        assertThat(doc.path("state").path("reported").toString()).isEqualTo("{\"t\":20,\"fw\":\"1.2\"}");
        assertThat(doc.path("state").path("delta").toString()).isEqualTo("{\"t\":21}");
        assertThat(doc.path("client_token").asString()).isEqualTo("gw-1");
        JsonNode merged = report("{\"reported\":{\"t\":21,\"fw\":null},\"version\":2}").expect(200);
        assertThat(merged.path("state").path("reported").toString()).isEqualTo("{\"t\":21}");
        assertThat(merged.path("state").path("delta").isEmpty()).isTrue();

        JsonNode stale = report("{\"reported\":{\"t\":5},\"version\":2}").expectProblem(409, "VERSION_CONFLICT");
        assertThat(stale.path("current_version").asLong()).isEqualTo(3);
        report("{\"reported\":{\"t\":5}}").expectProblem(400, "VALIDATION_FAILED");
        report("{\"reported\":[5],\"version\":3}").expectProblem(400, "VALIDATION_FAILED");
        report("{\"reported\":{\"t\":5},\"version\":3,\"desired\":{}}").expectProblem(400, "UNKNOWN_FIELD");
        report("{\"reported\":{\"t\":5},\"version\":-1}").expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(tenant.admin(), path + "/shadow").expect(200).path("state").path("reported").toString())
                .isEqualTo("{\"t\":21}");

        JsonNode event = api.get(tenant.admin(), path + "/events").expect(200).path("items").get(0);
        assertThat(event.path("type").asString()).isEqualTo("SHADOW-UPDATED");
        assertThat(event.path("details").path("section").asString()).isEqualTo("reported");
        String id = path.substring(path.lastIndexOf('/') + 1);
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=shadow.update&target_id=" + id).expect(200)
                .path("items")).hasSize(3);
    }

    @Test
    void desiredAndReportedAreSectionNamesNotShadowNames() {
        api.patch(tenant.admin(), path + "/shadow/desired", desired("{\"a\":1}"), null)
                .expectProblem(400, "INVALID_PARAMETER");
        api.patch(tenant.admin(), path + "/shadow/reported", desired("{\"a\":1}"), null)
                .expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), path + "/shadow/reported").expectProblem(400, "INVALID_PARAMETER");
        api.delete(tenant.admin(), path + "/shadow/desired").expectProblem(400, "INVALID_PARAMETER");
        assertThat(api.get(tenant.admin(), path + "/shadows").expect(200).path("items")).isEmpty();
    }

    @Test
    void anotherTenantsDeviceIsNotFound() {
        put("{\"a\":1}", null).expect(200);
        TestTenant other = newTenant();
        api.call("PUT", path + "/shadow/desired").token(other.admin()).body("{\"a\":2}").send()
                .expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), path + "/shadow/reported", "{\"reported\":{\"a\":2},\"version\":1}")
                .expectProblem(404, "NOT_FOUND");
        JsonNode doc = api.get(tenant.admin(), path + "/shadow").expect(200);
        assertThat(doc.path("version").asLong()).isEqualTo(1);
        assertThat(doc.path("state").path("reported").isEmpty()).isTrue();
    }

    private Reply put(String body, String ifMatch) {
        return put(body, ifMatch, tenant.admin());
    }

    private Reply put(String body, String ifMatch, String token) {
        return api.call("PUT", path + "/shadow/desired").token(token).header("If-Match", ifMatch).body(body).send();
    }

    private Reply report(String body) {
        return api.post(tenant.admin(), path + "/shadow/reported", body);
    }
}
