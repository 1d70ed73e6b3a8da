package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A device's {@code icon} and {@code icon_color}, and the reason given when it is decommissioned. */
class DeviceIconAndDecommissionReasonApiTests extends ApiTest {

    private TestTenant tenant;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
    }

    @Test
    void iconAndColourAreStoredAndChangedByPatch() {
        Map<String, Object> fields = device("pump");
        fields.put("icon", "water-meter");
        fields.put("icon_color", "#1A2b3C");
        JsonNode created = createDevice(tenant.admin(), fields);
        assertThat(created.path("icon").asString()).isEqualTo("water-meter");
        assertThat(created.path("icon_color").asString()).isEqualTo("#1A2b3C");
        String path = "/api/v1/devices/" + created.path("id").asString();
        assertThat(api.get(tenant.admin(), path).expect(200).path("icon").asString()).isEqualTo("water-meter");

        JsonNode patched = api.patch(tenant.admin(), path, "{\"icon_color\":\"#00ff00\",\"icon\":null}", null)
                .expect(200);
        assertThat(patched.path("icon_color").asString()).isEqualTo("#00ff00");
        assertThat(patched.path("icon").isNull() || patched.path("icon").isMissingNode()).isTrue();
        assertThat(patched.path("version").asLong()).isEqualTo(2);
        JsonNode plain = createDevice(tenant.admin(), device("valve"));
        assertThat(plain.path("icon_color").isNull() || plain.path("icon_color").isMissingNode()).isTrue();
    }

    @Test
    void aBadIconOrColourIsRefusedAndChangesNothing() {
        Map<String, Object> fields = device("pump");
        fields.put("icon", "Water Meter");
        fields.put("icon_color", "red");
        JsonNode problem = api.post(tenant.admin(), "/api/v1/devices", fields).expectProblem(400, "VALIDATION_FAILED");
        assertThat(problem.path("errors").valueStream().map(e -> e.path("field").asString()))
                .containsExactlyInAnyOrder("icon", "icon_color");
        fields.put("icon", "i".repeat(65));
        fields.put("icon_color", "#12345");
        api.post(tenant.admin(), "/api/v1/devices", fields).expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(tenant.admin(), "/api/v1/devices").expect(200).path("items")).isEmpty();

        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("valve")).path("id").asString();
        api.patch(tenant.admin(), path, "{\"icon_color\":\"#GGGGGG\"}", null).expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), path, "{\"icon\":7}", null).expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(tenant.admin(), path).expect(200).path("version").asLong()).isEqualTo(1);
    }

    @Test
    void importTakesTheIconFromCsvAndJsonLines() {
        String csv = "name,device_type,icon,icon_color\npump,meter,water-meter,#336699\nvalve,meter,Bad Icon,\n";
        String csvResults = api.call("POST", "/api/v1/devices/import").token(tenant.admin())
                .body("text/csv", BodyPublishers.ofString(csv)).send().body();
        assertThat(csvResults).contains("\"line\":2,\"result\":\"created\"").contains("\"result\":\"failed\"");
        String ndjson = "{\"name\":\"tap\",\"device_type\":\"meter\",\"icon\":\"tap\",\"icon_color\":\"#ABCDEF\"}\n";
        api.call("POST", "/api/v1/devices/import").token(tenant.admin())
                .body("application/x-ndjson", BodyPublishers.ofString(ndjson)).send();
        JsonNode items = api.get(tenant.admin(), "/api/v1/devices?sort=name").expect(200).path("items");
        assertThat(items.valueStream().map(d -> d.path("name").asString() + " " + d.path("icon").asString() + " "
                + d.path("icon_color").asString())).containsExactly("pump water-meter #336699", "tap tap #ABCDEF");
    }

    @Test
    void theDecommissionReasonIsKeptInTheEventAndTheAuditLog() {
        String id = createDevice(tenant.admin(), device("pump")).path("id").asString();
        String path = "/api/v1/devices/" + id;

        api.post(tenant.admin(), path + "/decommission", Map.of("reason", "water damage")).expect(200);

        JsonNode event = api.get(tenant.admin(), path + "/events").expect(200).path("items").get(0);
        assertThat(event.path("type").asString()).isEqualTo("DECOMMISSIONED");
        assertThat(event.path("details").path("reason").asString()).isEqualTo("water damage");
        assertThat(event.path("details").path("to").asString()).isEqualTo("decommissioned");
        JsonNode audit = api.get(tenant.admin(), "/api/v1/audit?action=device.decommission&target_id=" + id)
                .expect(200).path("items");
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0).toString()).contains("water damage");
    }

    @Test
    void aBadReasonIsRefusedAndTheDeviceStaysActive() {
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();

        api.post(tenant.admin(), path + "/decommission", Map.of("reason", " ")).expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), path + "/decommission", Map.of("reason", "r".repeat(513)))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), path + "/decommission", Map.of("why", "x")).expectProblem(400, "UNKNOWN_FIELD");
        api.post(tenant.admin(), path + "/decommission", "[").expectProblem(400, "MALFORMED_REQUEST");
        assertThat(api.get(tenant.admin(), path).expect(200).path("status").asString()).isEqualTo("active");
    }

    @Test
    void anotherTenantsDeviceIsNotFound() {
        Map<String, Object> fields = device("pump");
        fields.put("icon", "pump");
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), fields).path("id").asString();
        TestTenant other = newTenant();

        api.patch(other.admin(), path, "{\"icon\":\"valve\"}", null).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), path + "/decommission", Map.of("reason", "x")).expectProblem(404, "NOT_FOUND");
        JsonNode device = api.get(tenant.admin(), path).expect(200);
        assertThat(device.path("icon").asString()).isEqualTo("pump");
        assertThat(device.path("status").asString()).isEqualTo("active");
    }
}
