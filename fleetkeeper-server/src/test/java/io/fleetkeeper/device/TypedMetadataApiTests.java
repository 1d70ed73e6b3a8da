package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Metadata values of any JSON type over HTTP: created, patched, read back typed, and compared by type. */
class TypedMetadataApiTests extends ApiTest {

    @Test
    void metadataKeepsItsJsonTypesAndNumbersCompareNumericallyInFleetQueries() {
        TestTenant t = newTenant();
        String nine = create(t, "nine", Map.of("level", 9, "ok", true, "geo", Map.of("lat", 48.1, "tags", List.of(
                "a", 1))));
        String ten = create(t, "ten", Map.of("level", 10));
        String hundred = create(t, "hundred", Map.of("level", 100));
        create(t, "text", Map.of("level", "50"));

        JsonNode read = api.get(t.admin(), "/api/v1/devices/" + nine).expect(200).path("metadata");
        assertThat(read.path("level").isIntegralNumber()).isTrue();
        assertThat(read.path("ok").isBoolean()).isTrue();
        assertThat(read.path("geo").path("lat").asDouble()).isEqualTo(48.1);
        assertThat(read.path("geo").path("tags").get(1).asInt()).isEqualTo(1);
        assertThat(read.path("geo").path("tags").get(0).asString()).isEqualTo("a");

        assertThat(names(t, "metadata.level > 10")).as("100 > 10 numerically; the string \"50\" > \"10\" as text")
                .containsExactly("hundred", "text");
        assertThat(names(t, "metadata.level < 10")).containsExactly("nine");
        assertThat(names(t, "metadata.level >= 9 AND metadata.level <= 10")).containsExactly("nine", "ten");
        assertThat(names(t, "metadata.ok = true")).containsExactly("nine");
        assertThat(names(t, "metadata.level = \"50\"")).containsExactly("text");

        // A merge patch sets typed values, and null removes a key.
        api.patch(t.admin(), "/api/v1/devices/" + ten, Map.of("metadata", Map.of("level", 10.5, "ok", false)), null)
                .expect(200);
        JsonNode patched = api.get(t.admin(), "/api/v1/devices/" + ten).expect(200).path("metadata");
        assertThat(patched.path("level").asDouble()).isEqualTo(10.5);
        assertThat(patched.path("ok").isBoolean()).isTrue();
        assertThat(names(t, "metadata.level > 10")).containsExactly("hundred", "ten", "text");
        assertThat(names(t, "metadata.ok = false")).containsExactly("ten");
        java.util.Map<String, Object> remove = new java.util.HashMap<>();
        remove.put("level", null);
        api.patch(t.admin(), "/api/v1/devices/" + hundred, Map.of("metadata", remove), null).expect(200);
        assertThat(names(t, "metadata.level > 10")).containsExactly("ten", "text");

        api.post(t.admin(), "/api/v1/devices", Map.of("name", "big", "device_type", "sensor", "metadata",
                Map.of("k", List.of("x".repeat(1100))))).expectProblem(400, "VALIDATION_FAILED");
        api.get(t.admin(), "/api/v1/devices?query=" + enc("metadata.level > yes")).expectProblem(400, "INVALID_QUERY");
    }

    private String create(TestTenant t, String name, Map<String, Object> metadata) {
        return createDevice(t.admin(), Map.of("name", name, "device_type", "sensor", "metadata", metadata))
                .path("id").asString();
    }

    private List<String> names(TestTenant t, String query) {
        return api.get(t.admin(), "/api/v1/devices?sort=name&query=" + enc(query)).expect(200).path("items")
                .valueStream().map(d -> d.path("name").asString()).toList();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
