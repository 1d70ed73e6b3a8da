package io.fleetkeeper.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/templates}: versioned device templates, and devices created from and upgraded to them. */
public class TemplateApiTests extends ApiTest {

    public static Map<String, Object> meterTemplate(String name) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", name);
        t.put("device_type", "meter");
        t.put("description", "three-phase meter");
        t.put("metadata_defaults", Map.of("vendor", "acme", "phases", 3));
        t.put("required_metadata", List.of("location"));
        t.put("shadow_desired", Map.of("interval", 60));
        t.put("sensors", List.of(
                Map.of("key", "temperature", "name", "Temperature", "unit", "Cel", "data_type", "number", "min", -40,
                        "max", 85, "expected_interval", 60),
                Map.of("key", "energy", "unit", "kWh", "data_type", "number")));
        t.put("modules", List.of(Map.of("slot", "modem", "kind", "lte-m", "firmware", ">=1.2")));
        t.put("transports", List.of(Map.of("kind", "mqtt", "settings", Map.of("keepalive", 60)),
                Map.of("kind", "cellular", "settings", Map.of("apn", "iot.example"))));
        return t;
    }

    Reply put(String token, String path, Object body, String ifMatch) {
        var call = api.call("PUT", path).token(token).body(body);
        if (ifMatch != null) {
            call.header("If-Match", ifMatch);
        }
        return call.send();
    }

    static List<String> texts(JsonNode array, String field) {
        return array.valueStream().map(n -> n.path(field).asString()).toList();
    }

    @Test
    void templateIsCreatedReadVersionedAndDeleted() {
        TestTenant tenant = newTenant();
        var created = api.post(tenant.admin(), "/api/v1/templates", meterTemplate("meter-v"));
        JsonNode t = created.expect(201);
        String id = t.path("id").asString();
        assertThat(created.etag()).isEqualTo("\"1\"");
        assertThat(created.header("Location")).isEqualTo("/api/v1/templates/" + id);
        assertThat(t.path("version").asInt()).isEqualTo(1);
        assertThat(texts(t.path("sensors"), "key")).containsExactly("temperature", "energy");
        assertThat(t.path("metadata_defaults").path("phases").asInt()).isEqualTo(3);
        assertThat(api.get(tenant.admin(), "/api/v1/templates/" + id).expect(200)).isEqualTo(t);

        Map<String, Object> v2 = meterTemplate("meter-v");
        v2.put("sensors", List.of(Map.of("key", "temperature", "unit", "Cel", "data_type", "number", "max", 100),
                Map.of("key", "voltage", "unit", "V", "data_type", "number")));
        put(tenant.admin(), "/api/v1/templates/" + id, v2, "\"2\"").expectProblem(412, "PRECONDITION_FAILED");
        var updated = put(tenant.admin(), "/api/v1/templates/" + id, v2, "\"1\"");
        assertThat(updated.expect(200).path("version").asInt()).isEqualTo(2);
        assertThat(updated.etag()).isEqualTo("\"2\"");

        assertThat(api.get(tenant.admin(), "/api/v1/templates/" + id).expect(200).path("version").asInt())
                .isEqualTo(2);
        assertThat(texts(api.get(tenant.admin(), "/api/v1/templates/" + id + "?version=1").expect(200)
                .path("sensors"), "key")).containsExactly("temperature", "energy");
        JsonNode versions = api.get(tenant.admin(), "/api/v1/templates/" + id + "/versions").expect(200);
        assertThat(versions.path("items").valueStream().map(n -> n.path("version").asInt())).containsExactly(1, 2);
        JsonNode list = api.get(tenant.admin(), "/api/v1/templates").expect(200);
        assertThat(list.path("items")).hasSize(1);
        assertThat(list.path("items").get(0).path("version").asInt()).isEqualTo(2);

        api.get(tenant.admin(), "/api/v1/templates/" + id + "?version=3").expectProblem(404, "NOT_FOUND");
        assertThat(api.delete(tenant.admin(), "/api/v1/templates/" + id).status()).isEqualTo(204);
        api.get(tenant.admin(), "/api/v1/templates/" + id).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void badTemplatesAreRefusedWithEveryProblemAndChangeNothing() {
        TestTenant tenant = newTenant();
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("name", "bad name");
        bad.put("device_type", "meter");
        bad.put("sensors", List.of(Map.of("key", "t", "data_type", "number", "min", 5, "max", 1),
                Map.of("key", "t", "data_type", "colour")));
        bad.put("modules", List.of(Map.of("slot", "Modem!", "kind", "lte")));
        bad.put("transports", List.of(Map.of("kind", "pigeon"), Map.of("kind", "lorawan",
                "settings", Map.of("app_key", "00112233"))));
        JsonNode problem = api.post(tenant.admin(), "/api/v1/templates", bad).expectProblem(400, "VALIDATION_FAILED");
        assertThat(problem.path("errors").findValuesAsString("field")).contains("name", "sensors[0].max",
                "sensors[1].key", "sensors[1].data_type", "modules[0].slot", "transports[0].kind",
                "transports[1].settings.app_key");
        assertThat(api.get(tenant.admin(), "/api/v1/templates").expect(200).path("items")).isEmpty();

        api.post(tenant.admin(), "/api/v1/templates", meterTemplate("meter")).expect(201);
        api.post(tenant.admin(), "/api/v1/templates", meterTemplate("meter")).expectProblem(409, "ALREADY_EXISTS");
        Map<String, Object> schemas = meterTemplate("with-schemas");
        schemas.put("shadow_schemas", Map.of("desired", Map.of("type", "object")));
        api.post(tenant.admin(), "/api/v1/templates", schemas).expectProblem(400, "VALIDATION_FAILED");
    }

    @Test
    void templatesAreTenantScopedAndWritesNeedAnOperator() {
        TestTenant a = newTenant();
        TestTenant b = newTenant();
        String id = api.post(a.admin(), "/api/v1/templates", meterTemplate("meter")).expect(201).path("id")
                .asString();
        api.get(b.admin(), "/api/v1/templates/" + id).expectProblem(404, "NOT_FOUND");
        put(b.admin(), "/api/v1/templates/" + id, meterTemplate("meter"), null).expectProblem(404, "NOT_FOUND");
        api.delete(b.admin(), "/api/v1/templates/" + id).expectProblem(404, "NOT_FOUND");
        api.post(b.admin(), "/api/v1/devices", Map.of("name", "x", "template_id", id, "metadata",
                Map.of("location", "roof"))).expectProblem(400, "VALIDATION_FAILED");

        String viewer = token(a, "viewer");
        api.get(viewer, "/api/v1/templates/" + id).expect(200);
        api.post(viewer, "/api/v1/templates", meterTemplate("other")).expectProblem(403, "FORBIDDEN");
        api.delete(token(a, "operator"), "/api/v1/templates/" + id).expectProblem(403, "FORBIDDEN");
    }

    @Test
    void aDeviceCreatedFromATemplateGetsItsDefaultsShadowSensorsAndTransports() {
        TestTenant tenant = newTenant();
        JsonNode t = api.post(tenant.admin(), "/api/v1/templates", meterTemplate("meter")).expect(201);
        String tid = t.path("id").asString();

        JsonNode missing = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "m0", "template_id", tid))
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(missing.path("errors").findValuesAsString("field")).containsExactly("metadata.location");
        api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "m0", "template_id", tid, "device_type", "valve",
                "metadata", Map.of("location", "x"))).expectProblem(400, "VALIDATION_FAILED");
        assertThat(stats(tenant.admin()).path("total").asLong()).isZero();

        JsonNode d = createDevice(tenant.admin(), Map.of("name", "m1", "template_id", tid,
                "metadata", Map.of("location", "roof", "vendor", "other")));
        String path = "/api/v1/devices/" + d.path("id").asString();
        assertThat(d.path("device_type").asString()).isEqualTo("meter");
        assertThat(d.path("template_id").asString()).isEqualTo(tid);
        assertThat(d.path("template_version").asInt()).isEqualTo(1);
        assertThat(d.path("metadata").path("vendor").asString()).isEqualTo("other");
        assertThat(d.path("metadata").path("phases").asInt()).isEqualTo(3);
        assertThat(api.get(tenant.admin(), path + "/shadow").expect(200).path("state").path("desired")
                .path("interval").asInt()).isEqualTo(60);
        JsonNode sensors = api.get(tenant.admin(), path + "/sensors").expect(200).path("items");
        assertThat(texts(sensors, "key")).containsExactly("energy", "temperature");
        assertThat(sensors.get(1).path("max").asDouble()).isEqualTo(85.0);
        assertThat(sensors.get(1).path("from_template").asBoolean()).isTrue();
        JsonNode transports = api.get(tenant.admin(), path + "/transports").expect(200).path("items");
        assertThat(texts(transports, "kind")).containsExactly("cellular", "mqtt");
        assertThat(transports.get(0).path("settings").path("apn").asString()).isEqualTo("iot.example");

        api.delete(tenant.admin(), "/api/v1/templates/" + tid).expectProblem(409, "IN_USE");
    }

    @Test
    void importedRowsMayNameATemplate() {
        TestTenant tenant = newTenant();
        String tid = api.post(tenant.admin(), "/api/v1/templates", meterTemplate("meter")).expect(201).path("id")
                .asString();
        String csv = "name,template_id,metadata.location\nm1," + tid + ",roof\nm2," + tid + ",\n";
        String results = api.call("POST", "/api/v1/devices/import").token(tenant.admin())
                .body("text/csv", BodyPublishers.ofString(csv)).send().body();
        assertThat(results).contains("\"line\":2,\"result\":\"created\"").contains("\"result\":\"failed\"");
        JsonNode items = api.get(tenant.admin(), "/api/v1/devices").expect(200).path("items");
        assertThat(items).hasSize(1);
        String id = items.get(0).path("id").asString();
        assertThat(items.get(0).path("metadata").path("vendor").asString()).isEqualTo("acme");
        assertThat(texts(api.get(tenant.admin(), "/api/v1/devices/" + id + "/sensors").expect(200).path("items"),
                "key")).containsExactly("energy", "temperature");
    }

    @Test
    void aDeviceIsUpgradedToANewerVersionOnlyWhenAsked() {
        TestTenant tenant = newTenant();
        String tid = api.post(tenant.admin(), "/api/v1/templates", meterTemplate("meter")).expect(201).path("id")
                .asString();
        String path = "/api/v1/devices/" + createDevice(tenant.admin(), Map.of("name", "m", "template_id", tid,
                "metadata", Map.of("location", "roof"))).path("id").asString();
        api.patch(tenant.admin(), path + "/sensors/temperature", "{\"calibration_offset\":-0.5,\"enabled\":false}",
                null).expect(200);
        api.post(tenant.admin(), path + "/template-upgrade", Map.of()).expectProblem(409, "CONFLICT");

        Map<String, Object> v2 = meterTemplate("meter");
        v2.put("metadata_defaults", Map.of("vendor", "acme", "phases", 3, "tariff", "day"));
        v2.put("sensors", List.of(Map.of("key", "temperature", "unit", "Cel", "data_type", "number", "max", 100),
                Map.of("key", "energy", "unit", "kWh", "data_type", "number"),
                Map.of("key", "voltage", "unit", "V", "data_type", "number")));
        v2.put("transports", List.of(Map.of("kind", "mqtt"), Map.of("kind", "lorawan")));
        put(tenant.admin(), "/api/v1/templates/" + tid, v2, null).expect(200);
        assertThat(api.get(tenant.admin(), path).expect(200).path("template_version").asInt()).isEqualTo(1);

        JsonNode up = api.post(tenant.admin(), path + "/template-upgrade", Map.of()).expect(200);
        assertThat(up.path("template_version").asInt()).isEqualTo(2);
        assertThat(up.path("metadata").path("tariff").asString()).isEqualTo("day");
        JsonNode sensors = api.get(tenant.admin(), path + "/sensors").expect(200).path("items");
        assertThat(texts(sensors, "key")).containsExactly("energy", "temperature", "voltage");
        JsonNode temperature = sensors.get(1);
        assertThat(temperature.path("max").asDouble()).isEqualTo(100.0);
        assertThat(temperature.path("calibration_offset").asDouble()).isEqualTo(-0.5);
        assertThat(temperature.path("enabled").asBoolean()).isFalse();
        assertThat(texts(api.get(tenant.admin(), path + "/transports").expect(200).path("items"), "kind"))
                .containsExactly("cellular", "lorawan", "mqtt");
        api.post(tenant.admin(), path + "/template-upgrade", Map.of("version", 1)).expectProblem(409, "CONFLICT");
        api.post(tenant.admin(), path + "/template-upgrade", Map.of("version", 9)).expectProblem(404, "NOT_FOUND");
    }
}
