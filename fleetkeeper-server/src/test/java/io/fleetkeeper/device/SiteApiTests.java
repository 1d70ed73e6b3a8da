package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/sites}: the places devices are installed at. */
class SiteApiTests extends ApiTest {

    @Test
    void siteIsCreatedReadChangedAndDeleted() {
        TestTenant tenant = newTenant();

        var created = api.post(tenant.admin(), "/api/v1/sites",
                Map.of("name", "plant", "description", "main plant", "address", "1 Main St"));

        JsonNode site = created.expect(201);
        String path = "/api/v1/sites/" + site.path("id").asString();
        assertThat(created.etag()).isEqualTo("\"1\"");
        assertThat(created.header("Location")).endsWith(path);
        assertThat(api.get(tenant.admin(), path).expect(200)).isEqualTo(site);
        assertThat(api.get(tenant.admin(), "/api/v1/sites").expect(200).path("items")).containsExactly(site);

        var changed = api.patch(tenant.admin(), path, "{\"address\":\"2 Side St\"}", "\"1\"");

        assertThat(changed.etag()).isEqualTo("\"2\"");
        JsonNode after = changed.expect(200);
        assertThat(after.path("address").asString()).isEqualTo("2 Side St");
        assertThat(after.path("name").asString()).isEqualTo("plant");
        assertThat(after.path("description").asString()).isEqualTo("main plant");
        api.patch(tenant.admin(), path, "{\"address\":\"3 Stale St\"}", "\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        assertThat(api.get(tenant.admin(), path).expect(200).path("address").asString()).isEqualTo("2 Side St");

        assertThat(api.delete(tenant.admin(), path).status()).isEqualTo(204);
        api.get(tenant.admin(), path).expectProblem(404, "NOT_FOUND");
        api.delete(tenant.admin(), path).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void siteNamesAreRequiredAndUnique() {
        TestTenant tenant = newTenant();
        createSite(tenant.admin(), "plant");
        String other = createSite(tenant.admin(), "depot").path("id").asString();

        api.post(tenant.admin(), "/api/v1/sites", Map.of("name", "plant")).expectProblem(409, "ALREADY_EXISTS");
        api.patch(tenant.admin(), "/api/v1/sites/" + other, Map.of("name", "plant"), null)
                .expectProblem(409, "ALREADY_EXISTS");
        JsonNode problem = api.post(tenant.admin(), "/api/v1/sites", Map.of("description", "nameless"))
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field")).containsExactly("name");
        assertThat(api.get(tenant.admin(), "/api/v1/sites").expect(200).path("items")).hasSize(2);
    }

    @Test
    void siteInUseCannotBeDeleted() {
        TestTenant tenant = newTenant();
        String site = createSite(tenant.admin(), "plant").path("id").asString();
        Map<String, Object> fields = device("pump");
        fields.put("site", site);
        String device = createDevice(tenant.admin(), fields).path("id").asString();

        api.delete(tenant.admin(), "/api/v1/sites/" + site).expectProblem(409, "IN_USE");
        api.get(tenant.admin(), "/api/v1/sites/" + site).expect(200);

        api.patch(tenant.admin(), "/api/v1/devices/" + device, "{\"site\":null}", null).expect(200);
        api.delete(tenant.admin(), "/api/v1/sites/" + site).expect(204);
    }

    @Test
    void sitesArePagedByName() {
        TestTenant tenant = newTenant();
        for (String name : List.of("e", "c", "a", "d", "b")) {
            createSite(tenant.admin(), name);
        }

        List<String> names = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(tenant.admin(), "/api/v1/sites?limit=2" + (cursor == null ? "" : "&cursor="
                    + cursor)).expect(200);
            page.path("items").forEach(s -> names.add(s.path("name").asString()));
            cursor = page.path("next_cursor").asString(null);
        } while (cursor != null);

        assertThat(names).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void unknownSiteIsNotFound() {
        TestTenant tenant = newTenant();

        api.get(tenant.admin(), "/api/v1/sites/" + UUID.randomUUID()).expectProblem(404, "NOT_FOUND");
        api.patch(tenant.admin(), "/api/v1/sites/" + UUID.randomUUID(), "{\"name\":\"x\"}", null)
                .expectProblem(404, "NOT_FOUND");
    }
}
