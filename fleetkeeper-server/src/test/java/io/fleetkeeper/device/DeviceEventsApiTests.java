package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.TestTenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/devices/{id}/events}: a device's history, newest first, naming who did what. */
class DeviceEventsApiTests extends ApiTest {

    @Test
    void everyChangeIsRecordedWithItsActorNewestFirst() {
        TestTenant tenant = newTenant();
        JsonNode operatorToken = api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", "ops", "role", "operator"))
                .expect(201);
        String operator = operatorToken.path("token").asString();
        String operatorActor = "token:" + operatorToken.path("id").asString();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();
        api.patch(operator, path, "{\"name\":\"pump 2\",\"firmware_version\":\"2.0\"}", null).expect(200);
        api.post(operator, path + "/suspend", null).expect(200);
        api.post(operator, path + "/resume", null).expect(200);
        api.post(tenant.admin(), path + "/decommission", null).expect(200);

        JsonNode events = api.get(tenant.admin(), path + "/events").expect(200).path("items");

        assertThat(events.findValuesAsString("type"))
                .containsExactly("DECOMMISSIONED", "STATUS-UPDATED", "STATUS-UPDATED", "UPDATED", "CREATED");
        assertThat(events.findValuesAsString("actor")).containsExactly(tenant.adminActor(), operatorActor,
                operatorActor, operatorActor, tenant.adminActor());
        assertThat(events.get(0).path("details").path("to").asString()).isEqualTo("decommissioned");
        assertThat(events.get(1).path("details").path("from").asString()).isEqualTo("suspended");
        assertThat(events.get(1).path("details").path("to").asString()).isEqualTo("active");
        assertThat(events.get(3).path("details").path("fields").valueStream().map(JsonNode::asString))
                .containsExactlyInAnyOrder("name", "firmware_version");
        assertThat(events.get(4).path("at").asString()).isNotEmpty();
    }

    @Test
    void eventsArePagedWithoutGapsOrDuplicates() {
        TestTenant tenant = newTenant();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();
        for (int i = 0; i < 4; i++) {
            api.patch(tenant.admin(), path, Map.of("name", "pump " + i), null).expect(200);
        }
        List<Long> all = api.get(tenant.admin(), path + "/events").expect(200).path("items").valueStream()
                .map(e -> e.path("id").asLong()).toList();

        List<Long> paged = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(tenant.admin(), path + "/events?limit=2" + (cursor == null ? "" : "&cursor="
                    + cursor)).expect(200);
            assertThat(page.path("items").size()).isLessThanOrEqualTo(2);
            page.path("items").forEach(e -> paged.add(e.path("id").asLong()));
            cursor = page.path("next_cursor").asString(null);
        } while (cursor != null);

        assertThat(all).hasSize(5).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(paged).containsExactlyElementsOf(all);
    }

    @Test
    void firstIdentityCertificateProvisionsTheDeviceOnceAndOperatorRenewalIsRecordedAsRenewed() {
        TestTenant tenant = newTenant();
        String root = api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();

        String first = api.post(tenant.admin(), path + "/certificates", Map.of("csr", Csrs.csrPem(Csrs.p256())))
                .expect(201).path("certificate").path("id").asString();
        assertThat(types(tenant, path, "")).containsExactly("PROVISIONED", "CERTIFICATE-ISSUED", "CREATED");
        api.post(tenant.admin(), path + "/certificates", Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201);
        String second = primaryCertificate(tenant, path);
        assertThat(second).isNotEqualTo(first);
        api.post(tenant.admin(), "/api/v1/certificates/" + second + "/renew", null).expect(201);

        assertThat(types(tenant, path, "")).containsExactly("RENEWED", "CERTIFICATE-ISSUED", "PROVISIONED",
                "CERTIFICATE-ISSUED", "CREATED");
        assertThat(types(tenant, path, "?type=PROVISIONED")).containsExactly("PROVISIONED");
    }

    @Test
    void eventsFilterByTypeAcceptingTheFormerStatusEventName() {
        TestTenant tenant = newTenant();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();
        api.post(tenant.admin(), path + "/suspend", null).expect(200);
        api.post(tenant.admin(), path + "/resume", null).expect(200);

        assertThat(types(tenant, path, "?type=STATUS-UPDATED")).containsExactly("STATUS-UPDATED", "STATUS-UPDATED");
        assertThat(types(tenant, path, "?type=STATUS-CHANGED")).containsExactly("STATUS-UPDATED", "STATUS-UPDATED");
        assertThat(types(tenant, path, "?type=CREATED,STATUS-CHANGED"))
                .containsExactly("STATUS-UPDATED", "STATUS-UPDATED", "CREATED");
        assertThat(types(tenant, path, "?type=CREATED&type=DECOMMISSIONED")).containsExactly("CREATED");
        JsonNode page = api.get(tenant.admin(), path + "/events?type=STATUS-UPDATED&limit=1").expect(200);
        assertThat(page.path("items").size()).isEqualTo(1);
        assertThat(api.get(tenant.admin(), path + "/events?type=STATUS-UPDATED&limit=1&cursor="
                + page.path("next_cursor").asString()).expect(200).path("items").findValuesAsString("type"))
                .containsExactly("STATUS-UPDATED");
    }

    @Test
    void unknownEventTypeFilterIsRefused() {
        TestTenant tenant = newTenant();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();

        api.get(tenant.admin(), path + "/events?type=STATUS-UPDATED,NOPE").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), path + "/events?type=created").expectProblem(400, "INVALID_PARAMETER");
    }

    private List<String> types(TestTenant tenant, String path, String query) {
        return api.get(tenant.admin(), path + "/events" + query).expect(200).path("items").findValuesAsString("type");
    }

    private String primaryCertificate(TestTenant tenant, String path) {
        return api.get(tenant.admin(), path + "/certificates").expect(200).path("items").valueStream()
                .filter(c -> c.path("primary").asBoolean()).findFirst().orElseThrow().path("id").asString();
    }

    @Test
    void eventsOfAnUnknownDeviceAreNotFoundAndBadCursorsRefused() {
        TestTenant tenant = newTenant();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();

        api.get(tenant.admin(), "/api/v1/devices/" + UUID.randomUUID() + "/events").expectProblem(404, "NOT_FOUND");
        api.get(tenant.admin(), path + "/events?cursor=garbage").expectProblem(400, "INVALID_CURSOR");
    }
}
