package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/device-types}: declared types and the metadata their devices must carry. */
class DeviceTypeApiTests extends ApiTest {

    @Test
    void typeIsCreatedReadChangedAndDeleted() {
        TestTenant tenant = newTenant();

        var created = api.post(tenant.admin(), "/api/v1/device-types",
                Map.of("name", "meter", "description", "power meter", "required_metadata", List.of("location")));

        JsonNode type = created.expect(201);
        assertThat(created.etag()).isEqualTo("\"1\"");
        assertThat(created.header("Location")).endsWith("/api/v1/device-types/meter");
        assertThat(type.path("required_metadata").valueStream().map(JsonNode::asString)).containsExactly("location");
        assertThat(api.get(tenant.admin(), "/api/v1/device-types/meter").expect(200)).isEqualTo(type);
        assertThat(api.get(tenant.admin(), "/api/v1/device-types").expect(200).path("items")).containsExactly(type);

        var changed = api.patch(tenant.admin(), "/api/v1/device-types/meter",
                "{\"description\":\"smart meter\",\"required_metadata\":[\"location\",\"phase\"]}", "\"1\"");

        JsonNode after = changed.expect(200);
        assertThat(changed.etag()).isEqualTo("\"2\"");
        assertThat(after.path("description").asString()).isEqualTo("smart meter");
        assertThat(after.path("required_metadata").valueStream().map(JsonNode::asString))
                .containsExactly("location", "phase");
        api.patch(tenant.admin(), "/api/v1/device-types/meter", "{\"description\":\"stale\"}", "\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");

        assertThat(api.delete(tenant.admin(), "/api/v1/device-types/meter").status()).isEqualTo(204);
        api.get(tenant.admin(), "/api/v1/device-types/meter").expectProblem(404, "NOT_FOUND");
    }

    @Test
    void typesAreValidatedAndUnique() {
        TestTenant tenant = newTenant();
        createType(tenant.admin(), "meter");

        api.post(tenant.admin(), "/api/v1/device-types", Map.of("name", "meter")).expectProblem(409, "ALREADY_EXISTS");
        JsonNode problem = api.post(tenant.admin(), "/api/v1/device-types",
                Map.of("name", "bad name", "required_metadata", List.of("ok", "not ok")))
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("device_type", "required_metadata[1]");
    }

    @Test
    void requiredMetadataIsEnforcedOnCreate() {
        TestTenant tenant = newTenant();
        createType(tenant.admin(), "meter", "location", "phase");

        JsonNode problem = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "m", "device_type", "meter",
                "metadata", Map.of("location", "roof"))).expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field")).containsExactly("metadata.phase");
        assertThat(stats(tenant.admin()).path("total").asLong()).isZero();
        createDevice(tenant.admin(), Map.of("name", "m", "device_type", "meter",
                "metadata", Map.of("location", "roof", "phase", "L1")));
        createDevice(tenant.admin(), device("undeclared types need nothing"));
    }

    @Test
    void requiredMetadataIsEnforcedOnPatch() {
        TestTenant tenant = newTenant();
        createType(tenant.admin(), "meter", "location");
        createType(tenant.admin(), "camera", "lens");
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), Map.of("name", "m", "device_type", "meter",
                "metadata", Map.of("location", "roof"))).path("id").asString();

        JsonNode removed = api.patch(tenant.admin(), path, "{\"metadata\":{\"location\":null}}", null)
                .expectProblem(400, "VALIDATION_FAILED");
        JsonNode retyped = api.patch(tenant.admin(), path, "{\"device_type\":\"camera\"}", null)
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(removed.path("errors").findValuesAsString("field")).containsExactly("metadata.location");
        assertThat(retyped.path("errors").findValuesAsString("field")).containsExactly("metadata.lens");
        JsonNode device = api.get(tenant.admin(), path).expect(200);
        assertThat(device.path("version").asLong()).isEqualTo(1);
        assertThat(device.path("device_type").asString()).isEqualTo("meter");
        api.patch(tenant.admin(), path, "{\"device_type\":\"camera\",\"metadata\":{\"lens\":\"wide\"}}", null)
                .expect(200);
    }

    @Test
    void tightenedTypeAppliesToTheNextChangeOfItsDevices() {
        TestTenant tenant = newTenant();
        createType(tenant.admin(), "meter");
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), Map.of("name", "m", "device_type", "meter"))
                .path("id").asString();
        api.patch(tenant.admin(), "/api/v1/device-types/meter", "{\"required_metadata\":[\"location\"]}", null)
                .expect(200);

        api.patch(tenant.admin(), path, "{\"name\":\"renamed\"}", null).expect(200);
        api.patch(tenant.admin(), path, "{\"metadata\":{\"other\":\"x\"}}", null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), path, "{\"metadata\":{\"location\":\"roof\"}}", null).expect(200);
    }
}
