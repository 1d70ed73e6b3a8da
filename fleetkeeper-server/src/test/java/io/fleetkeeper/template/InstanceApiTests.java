package io.fleetkeeper.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A device's sensors, transports and modules, and the fleet-wide {@code /api/v1/sensors}. */
class InstanceApiTests extends ApiTest {

    Reply put(String token, String path, Object body) {
        return api.call("PUT", path).token(token).body(body).send();
    }

    String meter(TestTenant t, String tid, String name) {
        return createDevice(t.admin(), Map.of("name", name, "template_id", tid, "metadata",
                Map.of("location", "roof"))).path("id").asString();
    }

    @Test
    void sensorsAreOverriddenAddedListedAcrossTheFleetAndIsolated() {
        TestTenant tenant = newTenant();
        TestTenant other = newTenant();
        String tid = api.post(tenant.admin(), "/api/v1/templates", TemplateApiTests.meterTemplate("meter"))
                .expect(201).path("id").asString();
        String m1 = meter(tenant, tid, "m1");
        String m2 = meter(tenant, tid, "m2");
        String plain = createDevice(tenant.admin(), device("plain")).path("id").asString();
        String path = "/api/v1/devices/" + m1 + "/sensors";

        var patched = api.patch(tenant.admin(), path + "/temperature",
                "{\"calibration_scale\":1.02,\"enabled\":false}", "\"1\"");
        assertThat(patched.expect(200).path("calibration_scale").asDouble()).isEqualTo(1.02);
        assertThat(patched.etag()).isEqualTo("\"2\"");
        api.patch(tenant.admin(), path + "/temperature", "{\"enabled\":true}", "\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        api.patch(tenant.admin(), path + "/temperature", "{\"min\":90}", null).expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), path + "/temperature", "{\"data_type\":\"string\"}", null)
                .expectProblem(400, "UNKNOWN_FIELD");
        api.patch(tenant.admin(), path + "/nope", "{\"enabled\":true}", null).expectProblem(404, "NOT_FOUND");

        JsonNode own = api.post(tenant.admin(), "/api/v1/devices/" + plain + "/sensors",
                Map.of("key", "humidity", "unit", "%", "data_type", "number", "min", 0, "max", 100)).expect(201);
        assertThat(own.path("from_template").asBoolean()).isFalse();
        api.post(tenant.admin(), "/api/v1/devices/" + plain + "/sensors", Map.of("key", "humidity",
                "data_type", "number")).expectProblem(409, "ALREADY_EXISTS");
        api.post(tenant.admin(), "/api/v1/devices/" + plain + "/sensors", Map.of("key", "bad key",
                "data_type", "blob")).expectProblem(400, "VALIDATION_FAILED");

        JsonNode all = api.get(tenant.admin(), "/api/v1/sensors?limit=2").expect(200);
        assertThat(all.path("items")).hasSize(2);
        JsonNode rest = api.get(tenant.admin(), "/api/v1/sensors?limit=10&cursor=" + all.path("next_cursor")
                .asString()).expect(200);
        assertThat(all.path("items").size() + rest.path("items").size()).isEqualTo(5);
        JsonNode temps = api.get(tenant.admin(), "/api/v1/sensors?key=temperature&enabled=true").expect(200);
        assertThat(TemplateApiTests.texts(temps.path("items"), "device_id")).containsExactly(m2);
        JsonNode byQuery = api.get(tenant.admin(), "/api/v1/sensors?query=name%20%3D%20%22plain%22").expect(200);
        assertThat(TemplateApiTests.texts(byQuery.path("items"), "key")).containsExactly("humidity");
        api.get(tenant.admin(), "/api/v1/sensors?data_type=blob").expectProblem(400, "INVALID_PARAMETER");

        assertThat(api.get(other.admin(), "/api/v1/sensors").expect(200).path("items")).isEmpty();
        api.get(other.admin(), path).expectProblem(404, "NOT_FOUND");
        api.patch(other.admin(), path + "/temperature", "{\"enabled\":true}", null).expectProblem(404, "NOT_FOUND");
        api.patch(token(tenant, "viewer"), path + "/temperature", "{\"enabled\":true}", null)
                .expectProblem(403, "FORBIDDEN");
        assertThat(api.delete(tenant.admin(), path + "/energy").status()).isEqualTo(204);
        assertThat(TemplateApiTests.texts(api.get(tenant.admin(), path).expect(200).path("items"), "key"))
                .containsExactly("temperature");
    }

    List<String> ids(String token, String path, String query) {
        return TemplateApiTests.texts(api.get(token, path + "?query=" + java.net.URLEncoder.encode(query,
                java.nio.charset.StandardCharsets.UTF_8)).expect(200).path("items"), path.equals("/api/v1/sensors")
                ? "device_id" : "id");
    }

    @Test
    void fleetQueriesSelectDevicesAndSensorsByTemplateAndVersion() {
        TestTenant tenant = newTenant();
        TestTenant other = newTenant();
        String tid = api.post(tenant.admin(), "/api/v1/templates", TemplateApiTests.meterTemplate("qmeter"))
                .expect(201).path("id").asString();
        api.post(other.admin(), "/api/v1/templates", TemplateApiTests.meterTemplate("qmeter")).expect(201);
        String m1 = meter(tenant, tid, "q1");
        api.call("PUT", "/api/v1/templates/" + tid).token(tenant.admin()).header("If-Match", "\"1\"")
                .body(TemplateApiTests.meterTemplate("qmeter")).send().expect(200);
        String m2 = meter(tenant, tid, "q2");
        createDevice(tenant.admin(), device("plain"));

        assertThat(ids(tenant.admin(), "/api/v1/devices", "template = \"qmeter\"")).containsExactlyInAnyOrder(m1, m2);
        assertThat(ids(tenant.admin(), "/api/v1/devices", "template = \"qmeter\" AND template_version < 2"))
                .containsExactly(m1);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count?query=" + java.net.URLEncoder.encode(
                "template_version = 2 AND sensor.energy.unit = \"kWh\"", java.nio.charset.StandardCharsets.UTF_8))
                .expect(200).path("count").asLong()).isEqualTo(1);
        assertThat(ids(tenant.admin(), "/api/v1/sensors", "template = \"" + tid + "\" AND template_version = 2"))
                .containsExactly(m2, m2);
        assertThat(ids(other.admin(), "/api/v1/devices", "template = \"" + tid + "\"")).isEmpty();
        JsonNode p = api.get(tenant.admin(), "/api/v1/devices?query=" + java.net.URLEncoder.encode(
                "name = \"q1\" AND template > \"a\"", java.nio.charset.StandardCharsets.UTF_8))
                .expectProblem(400, "INVALID_QUERY");
        assertThat(p.path("position").asInt()).isEqualTo(25);
        api.get(tenant.admin(), "/api/v1/devices?query=sensor.temperature.colour%20EXISTS")
                .expectProblem(400, "INVALID_QUERY");
    }

    @Test
    void transportsAreSetReplacedAndRemoved() {
        TestTenant tenant = newTenant();
        String id = createDevice(tenant.admin(), device("d")).path("id").asString();
        String path = "/api/v1/devices/" + id + "/transports";
        var created = put(tenant.admin(), path + "/lorawan", Map.of("settings", Map.of("dev_eui", "0011")));
        assertThat(created.status()).isEqualTo(201);
        var replaced = put(tenant.admin(), path + "/lorawan", Map.of("settings", Map.of("dev_eui", "0022"),
                "enabled", false));
        assertThat(replaced.expect(200).path("version").asLong()).isEqualTo(2);
        assertThat(replaced.json().path("enabled").asBoolean()).isFalse();
        put(tenant.admin(), path + "/pigeon", Map.of()).expectProblem(400, "VALIDATION_FAILED");
        put(tenant.admin(), path + "/https", Map.of("settings", Map.of("password", "x")))
                .expectProblem(400, "VALIDATION_FAILED");
        put(newTenant().admin(), path + "/mqtt", Map.of()).expectProblem(404, "NOT_FOUND");
        assertThat(TemplateApiTests.texts(api.get(tenant.admin(), path).expect(200).path("items"), "kind"))
                .containsExactly("lorawan");
        assertThat(api.delete(tenant.admin(), path + "/lorawan").status()).isEqualTo(204);
        api.delete(tenant.admin(), path + "/lorawan").expectProblem(404, "NOT_FOUND");
    }

    @Test
    void modulesAreAssignedReplacedAndRemovedWithEventsAuditAndTemplateSlots() {
        TestTenant tenant = newTenant();
        String tid = api.post(tenant.admin(), "/api/v1/templates", TemplateApiTests.meterTemplate("meter"))
                .expect(201).path("id").asString();
        String id = meter(tenant, tid, "m");
        String path = "/api/v1/devices/" + id + "/modules";

        put(tenant.admin(), path + "/radio", Map.of("kind", "lte-m", "firmware_version", "1.3"))
                .expectProblem(400, "VALIDATION_FAILED");
        put(tenant.admin(), path + "/modem", Map.of("kind", "nb-iot", "firmware_version", "1.3"))
                .expectProblem(400, "VALIDATION_FAILED");
        put(tenant.admin(), path + "/modem", Map.of("kind", "lte-m", "firmware_version", "1.1"))
                .expectProblem(400, "VALIDATION_FAILED");
        var assigned = put(tenant.admin(), path + "/modem", Map.of("kind", "lte-m", "serial", "A1",
                "firmware_version", "1.2.4"));
        assertThat(assigned.status()).isEqualTo(201);
        var replaced = put(tenant.admin(), path + "/modem", Map.of("kind", "lte-m", "serial", "B2",
                "firmware_version", "1.10"));
        assertThat(replaced.expect(200).path("serial").asString()).isEqualTo("B2");
        assertThat(TemplateApiTests.texts(api.get(tenant.admin(), path).expect(200).path("items"), "serial"))
                .containsExactly("B2");
        assertThat(api.delete(tenant.admin(), path + "/modem").status()).isEqualTo(204);
        assertThat(api.get(tenant.admin(), path).expect(200).path("items")).isEmpty();

        JsonNode events = api.get(tenant.admin(), "/api/v1/devices/" + id
                + "/events?type=MODULE-ASSIGNED&type=MODULE-REPLACED&type=MODULE-REMOVED").expect(200);
        assertThat(TemplateApiTests.texts(events.path("items"), "type"))
                .containsExactly("MODULE-REMOVED", "MODULE-REPLACED", "MODULE-ASSIGNED");
        JsonNode audit = api.get(tenant.admin(), "/api/v1/audit?target_id=" + id).expect(200);
        assertThat(TemplateApiTests.texts(audit.path("items"), "action"))
                .contains("device.module.assign", "device.module.replace", "device.module.remove");

        String plain = createDevice(tenant.admin(), device("plain")).path("id").asString();
        assertThat(put(tenant.admin(), "/api/v1/devices/" + plain + "/modules/any", Map.of("kind", "x")).status())
                .isEqualTo(201);
        put(newTenant().admin(), "/api/v1/devices/" + plain + "/modules/any", Map.of("kind", "x"))
                .expectProblem(404, "NOT_FOUND");
    }
}
