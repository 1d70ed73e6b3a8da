package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.store.Ids;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Merge-patch null semantics, strong If-Match, per-listing cursors, and id ordering. */
class PatchSemanticsTests extends ApiTest {

    @Test
    void nullInAMergePatchClearsASiteField() {
        TestTenant t = newTenant();
        JsonNode site = api.post(t.admin(), "/api/v1/sites", Map.of("name", "plant", "description", "north",
                "address", "Main St 1")).expect(201);
        Map<String, Object> patch = new HashMap<>();
        patch.put("description", null);
        JsonNode patched = api.patch(t.admin(), "/api/v1/sites/" + site.path("id").asString(), patch, null)
                .expect(200);
        assertThat(patched.path("description").isNull()).isTrue();
        assertThat(patched.path("address").asString()).isEqualTo("Main St 1");
        Map<String, Object> noName = new HashMap<>();
        noName.put("name", null);
        api.patch(t.admin(), "/api/v1/sites/" + site.path("id").asString(), noName, null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(t.admin(), "/api/v1/sites/" + site.path("id").asString(), Map.of("colour", "red"), null)
                .expectProblem(400, "UNKNOWN_FIELD");
    }

    @Test
    void nullClearsADeviceTypesRequiredMetadata() {
        TestTenant t = newTenant();
        createType(t.admin(), "meter", "region");
        Map<String, Object> patch = new HashMap<>();
        patch.put("required_metadata", null);
        JsonNode patched = api.patch(t.admin(), "/api/v1/device-types/meter", patch, null).expect(200);
        assertThat(patched.path("required_metadata")).isEmpty();
        createDevice(t.admin(), Map.of("name", "m", "device_type", "meter"));
    }

    @Test
    void aWeakEtagNeverSatisfiesIfMatch() {
        TestTenant t = newTenant();
        JsonNode d = createDevice(t.admin(), device("d"));
        api.patch(t.admin(), "/api/v1/devices/" + d.path("id").asString(), Map.of("name", "x"), "W/\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        api.patch(t.admin(), "/api/v1/devices/" + d.path("id").asString(), Map.of("name", "x"), "\"1\"").expect(200);
    }

    @Test
    void aCursorOfOneListingIsRefusedByAnother() {
        TestTenant t = newTenant();
        createSite(t.admin(), "a");
        createSite(t.admin(), "b");
        String cursor = api.get(t.admin(), "/api/v1/sites?limit=1").expect(200).path("next_cursor").asString();
        api.get(t.admin(), "/api/v1/device-types?cursor=" + cursor).expectProblem(400, "INVALID_CURSOR");
        api.get(PLATFORM_TOKEN, "/api/v1/operator/tenants?cursor=" + cursor).expectProblem(400, "INVALID_CURSOR");
    }

    @Test
    void idsIncreaseStrictlyEvenWithinOneMillisecond() {
        Clock frozen = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(Ids.newId(frozen));
        }
        assertThat(ids).doesNotHaveDuplicates();
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i).toString()).isGreaterThan(ids.get(i - 1).toString());
        }
        assertThat(ids.get(0).version()).isEqualTo(7);
    }
}
