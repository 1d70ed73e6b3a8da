package io.fleetkeeper.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/audit}: every mutation, who made it and in which request, newest first. */
class AuditApiTests extends ApiTest {

    private TestTenant tenant;

    @BeforeEach
    void tenant() {
        tenant = newTenant();
    }

    @Test
    void mutationIsAuditedWithTheCallersRequestId() {
        String requestId = randomName("req-");

        var created = api.call("POST", "/api/v1/devices").token(tenant.admin()).header("X-Request-Id", requestId)
                .body(device("pump")).send();

        assertThat(created.header("X-Request-Id")).isEqualTo(requestId);
        String id = created.expect(201).path("id").asString();
        JsonNode entries = api.get(tenant.admin(), "/api/v1/audit?target_id=" + id).expect(200).path("items");
        assertThat(entries).hasSize(1);
        JsonNode entry = entries.get(0);
        assertThat(entry.path("action").asString()).isEqualTo("device.create");
        assertThat(entry.path("target_type").asString()).isEqualTo("device");
        assertThat(entry.path("request_id").asString()).isEqualTo(requestId);
        assertThat(entry.path("actor").asString()).isEqualTo(tenant.adminActor());
    }

    @Test
    void unsafeRequestIdIsReplacedByAGeneratedOne() {

        var reply = api.call("POST", "/api/v1/devices").token(tenant.admin()).header("X-Request-Id", "bad id;<x>")
                .body(device("pump")).send();

        String generated = reply.header("X-Request-Id");
        assertThat(generated).isNotEqualTo("bad id;<x>").matches("[0-9a-f-]{36}");
        String id = reply.expect(201).path("id").asString();
        assertThat(api.get(tenant.admin(), "/api/v1/audit?target_id=" + id).expect(200).path("items").get(0)
                .path("request_id").asString()).isEqualTo(generated);
    }

    @Test
    void filtersSelectByActionTargetAndActor() {
        String operator = token(tenant, "operator");
        String first = createDevice(tenant.admin(), device("one")).path("id").asString();
        String second = createDevice(operator, device("two")).path("id").asString();
        api.post(tenant.admin(), "/api/v1/devices/" + second + "/suspend", null).expect(200);
        api.patch(tenant.admin(), "/api/v1/devices/" + first, "{\"name\":\"uno\"}", null).expect(200);

        assertThat(targets("action=device.create")).containsExactly(second, first);
        assertThat(targets("action=device.suspend")).containsExactly(second);
        assertThat(actions("target_id=" + first)).containsExactly("device.update", "device.create");
        assertThat(actions("target_id=" + second)).containsExactly("device.suspend", "device.create");
        assertThat(actions("actor=" + tenant.adminActor() + "&target_type=device"))
                .containsExactly("device.update", "device.suspend", "device.create");
        assertThat(actions("target_type=api_token")).containsExactly("token.create");
        assertThat(actions("action=device.purge")).isEmpty();
        JsonNode update = api.get(tenant.admin(), "/api/v1/audit?action=device.update").expect(200).path("items")
                .get(0);
        assertThat(update.path("details").path("fields").get(0).asString()).isEqualTo("name");
    }

    @Test
    void auditLogIsPagedNewestFirstWithoutGaps() {
        for (int i = 0; i < 5; i++) {
            createDevice(tenant.admin(), device("d" + i));
        }
        List<Long> all = ids("");

        List<Long> paged = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(tenant.admin(), "/api/v1/audit?limit=2" + (cursor == null ? "" : "&cursor="
                    + cursor)).expect(200);
            page.path("items").forEach(e -> paged.add(e.path("id").asLong()));
            cursor = page.path("next_cursor").asString(null);
        } while (cursor != null);

        assertThat(all).hasSize(6).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(paged).containsExactlyElementsOf(all);
    }

    @Test
    void cursorOfAnotherListingIsRefused() {
        createDevice(tenant.admin(), device("one"));
        createDevice(tenant.admin(), device("two"));
        String deviceCursor = api.get(tenant.admin(), "/api/v1/devices?limit=1").expect(200).path("next_cursor")
                .asString();

        api.get(tenant.admin(), "/api/v1/audit?cursor=" + deviceCursor).expectProblem(400, "INVALID_CURSOR");
        api.get(tenant.admin(), "/api/v1/audit?cursor=garbage").expectProblem(400, "INVALID_CURSOR");
    }

    @Test
    void failedMutationsAreNotAudited() {
        List<Long> before = ids("");

        api.post(tenant.admin(), "/api/v1/devices", "{\"name\":\"\"}").expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), "/api/v1/sites", "{}").expectProblem(400, "VALIDATION_FAILED");

        assertThat(ids("")).isEqualTo(before);
    }

    private List<Long> ids(String query) {
        return items(query).valueStream().map(e -> e.path("id").asLong()).toList();
    }

    private List<String> targets(String query) {
        return items(query).findValuesAsString("target_id");
    }

    private List<String> actions(String query) {
        return items(query).findValuesAsString("action");
    }

    private JsonNode items(String query) {
        return api.get(tenant.admin(), "/api/v1/audit?" + query).expect(200).path("items");
    }
}
