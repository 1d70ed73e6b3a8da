package io.fleetkeeper.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The fleet query language over HTTP: device list, count, aggregation and saved groups. */
class FleetApiTests extends ApiTest {

    @Autowired
    private DeviceListener listener;

    private TestTenant tenant;
    private final Map<String, String> idByName = new HashMap<>();

    @BeforeEach
    void fleet() {
        tenant = newTenant();
        add("m1", "meter", List.of("lab"), Map.of("region", "eu-west"), "2.0");
        add("m2", "meter", List.of(), Map.of("region", "eu-north"), "2.0");
        add("m3", "meter", List.of(), Map.of("region", "us-east"), "1.0");
        add("v1", "valve", List.of("lab"), Map.of("region", "eu-west"), null);
        api.post(tenant.admin(), "/api/v1/devices/" + idByName.get("m3") + "/suspend", null).expect(200);
    }

    private void add(String name, String type, List<String> tags, Map<String, String> meta, String firmware) {
        Map<String, Object> d = device(name);
        d.put("device_type", type);
        d.put("tags", tags);
        d.put("metadata", meta);
        d.put("firmware_version", firmware);
        idByName.put(name, createDevice(tenant.admin(), d).path("id").asString());
    }

    private static String q(String query) {
        return URLEncoder.encode(query, StandardCharsets.UTF_8);
    }

    private List<String> names(String path) {
        return api.get(tenant.admin(), path).expect(200).path("items").valueStream()
                .map(n -> n.path("name").asString()).toList();
    }

    @Test
    void deviceListTakesAQueryBesideTheOtherFiltersAndPaginates() {
        assertThat(names("/api/v1/devices?sort=name&query=" + q("type = \"meter\" AND NOT tag = \"lab\"")))
                .containsExactly("m2", "m3");
        assertThat(names("/api/v1/devices?sort=name&status=active&query=" + q("metadata.region = \"eu*\"")))
                .containsExactly("m1", "m2", "v1");
        List<String> seen = new ArrayList<>();
        String cursor = "";
        do {
            JsonNode page = api.get(tenant.admin(), "/api/v1/devices?limit=1&sort=-name&query="
                    + q("metadata.region EXISTS") + cursor).expect(200);
            page.path("items").forEach(n -> seen.add(n.path("name").asString()));
            cursor = page.path("next_cursor").isNull() ? null : "&cursor=" + page.path("next_cursor").asString();
        } while (cursor != null);
        assertThat(seen).containsExactly("v1", "m3", "m2", "m1");
    }

    @Test
    void countAndAggregateFollowTheQuery() {
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count").expect(200).path("count").asLong()).isEqualTo(4);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count?query=" + q("firmware = \"2.0\"")).expect(200)
                .path("count").asLong()).isEqualTo(2);
        JsonNode agg = api.get(tenant.admin(), "/api/v1/fleet/aggregate?group_by=firmware&query="
                + q("type = \"meter\"")).expect(200);
        assertThat(agg.path("group_by").asString()).isEqualTo("firmware");
        assertThat(agg.path("items").toString()).isEqualTo("[{\"value\":\"2.0\",\"count\":2},{\"value\":\"1.0\","
                + "\"count\":1}]");
        JsonNode byStatus = api.get(tenant.admin(), "/api/v1/fleet/aggregate?group_by=status").expect(200);
        assertThat(byStatus.path("items").get(0).path("value").asString()).isEqualTo("active");
        api.get(tenant.admin(), "/api/v1/fleet/aggregate?group_by=metadata.region").expect(200);
        api.get(tenant.admin(), "/api/v1/fleet/aggregate?group_by=name").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), "/api/v1/fleet/aggregate").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void aMistakeIsAProblemWithItsPositionAndWhatWasExpected() {
        JsonNode p = api.get(tenant.admin(), "/api/v1/devices?query=" + q("type = \"meter\" AND (tag = \"lab\""))
                .expectProblem(400, "INVALID_QUERY");
        assertThat(p.path("position").asInt()).isEqualTo(31);
        assertThat(p.path("expected").asString()).isEqualTo("AND, OR or ')'");
        assertThat(p.path("detail").asString()).contains("position 31");
        JsonNode path = api.get(tenant.admin(), "/api/v1/devices/count?query=" + q("shadow.reported.a..b = 1"))
                .expectProblem(400, "INVALID_QUERY");
        assertThat(path.path("position").asInt()).isEqualTo(18);
        api.get(tenant.admin(), "/api/v1/fleet/aggregate?group_by=type&query=" + q("metadata.a;drop = \"1\""))
                .expectProblem(400, "INVALID_QUERY");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count?query=" + q("name = \"x' OR '1'='1\""))
                .expect(200).path("count").asLong()).isZero();
    }

    @Test
    void devicesAreSelectedByWhatTheyReportInTheirShadow() throws Exception {
        MqttDevices keyed = new MqttDevices(api);
        DevicePort port = new DevicePort(api, listener.port());
        for (var d : Map.of("s-warm", "{\"temp\":10,\"fw\":{\"channel\":\"beta\"}}",
                "s-cold", "{\"temp\":9,\"fw\":{\"channel\":\"stable\"}}").entrySet()) {
            KeyDevice device = keyed.keyDevice(tenant, d.getKey());
            port.call("PATCH", "/device/v1/shadow", Map.of("X-Device-Key", device.key()),
                    "{\"state\":{\"reported\":" + d.getValue() + "}}").expect(200);
        }
        assertThat(names("/api/v1/devices?sort=name&query=" + q("shadow.reported.temp > 9"))).containsExactly("s-warm");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count?query="
                + q("shadow.reported.fw.channel IN (\"beta\", \"stable\")")).expect(200).path("count").asLong())
                .isEqualTo(2);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count?query=" + q("shadow.reported.temp != 10"))
                .expect(200).path("count").asLong()).as("the four devices without a shadow, and s-cold").isEqualTo(5);
    }

    @Test
    void dynamicGroupsEvaluateTheirQueryAtReadTimeAndChildrenNarrowTheirParent() {
        String meters = createGroup(Map.of("name", "meters", "kind", "dynamic", "query", "type = \"meter\""));
        Map<String, Object> child = new HashMap<>(Map.of("name", "eu meters", "kind", "dynamic",
                "query", "metadata.region = \"eu*\"", "parent_id", meters));
        String eu = createGroup(child);
        assertThat(count(meters)).isEqualTo(3);
        assertThat(names("/api/v1/fleet-groups/" + eu + "/devices?sort=name")).containsExactly("m1", "m2");
        add("m4", "meter", List.of(), Map.of("region", "eu-south"), null);
        assertThat(count(eu)).as("never materialized").isEqualTo(3);
        assertThat(names("/api/v1/fleet-groups/" + eu + "/devices?sort=name&query=" + q("tag = \"lab\"")))
                .containsExactly("m1");
    }

    @Test
    void staticGroupsChangeMembersInBulkAndReportRejectedIds() {
        TestTenant other = newTenant();
        String foreign = createDevice(other.admin(), device("theirs")).path("id").asString();
        String picked = createGroup(Map.of("name", "picked", "kind", "static"));
        JsonNode r = api.post(tenant.admin(), "/api/v1/fleet-groups/" + picked + "/members", Map.of("add",
                List.of(idByName.get("m1"), idByName.get("v1"), foreign, "not-an-id"))).expect(200);
        assertThat(r.path("added").asInt()).isEqualTo(2);
        assertThat(r.path("rejected").toString()).contains(foreign, "no such device", "not-an-id");
        assertThat(names("/api/v1/fleet-groups/" + picked + "/devices?sort=name")).containsExactly("m1", "v1");
        r = api.post(tenant.admin(), "/api/v1/fleet-groups/" + picked + "/members", Map.of("remove",
                List.of(idByName.get("m1")))).expect(200);
        assertThat(r.path("removed").asInt()).isEqualTo(1);
        assertThat(count(picked)).isEqualTo(1);
        String dynamic = createGroup(Map.of("name", "dyn", "kind", "dynamic", "query", "serial EXISTS"));
        api.post(tenant.admin(), "/api/v1/fleet-groups/" + dynamic + "/members", Map.of("add", List.of()))
                .expectProblem(409, "CONFLICT");
        List<String> tooMany = java.util.Collections.nCopies(10_001, idByName.get("m1"));
        api.post(tenant.admin(), "/api/v1/fleet-groups/" + picked + "/members", Map.of("add", tooMany))
                .expectProblem(400, "VALIDATION_FAILED");
    }

    @Test
    void groupsAreValidatedVersionedAndAudited() {
        api.post(tenant.admin(), "/api/v1/fleet-groups", Map.of("name", "bad", "kind", "dynamic", "query",
                "type = ")).expectProblem(400, "INVALID_QUERY");
        api.post(tenant.admin(), "/api/v1/fleet-groups", Map.of("name", "bad", "kind", "static", "query",
                "type = \"x\"")).expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), "/api/v1/fleet-groups", Map.of("name", "bad", "kind", "both"))
                .expectProblem(400, "VALIDATION_FAILED");
        String a = createGroup(Map.of("name", "a", "kind", "dynamic", "query", "serial EXISTS"));
        String b = createGroup(Map.of("name", "b", "kind", "static", "parent_id", a));
        api.post(tenant.admin(), "/api/v1/fleet-groups", Map.of("name", "a", "kind", "static"))
                .expectProblem(409, "ALREADY_EXISTS");
        api.patch(tenant.admin(), "/api/v1/fleet-groups/" + a, Map.of("parent_id", b), null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), "/api/v1/fleet-groups/" + a, Map.of("kind", "static"), null)
                .expectProblem(400, "READ_ONLY_FIELD");
        var read = api.get(tenant.admin(), "/api/v1/fleet-groups/" + a);
        assertThat(read.etag()).isEqualTo("\"1\"");
        JsonNode changed = api.patch(tenant.admin(), "/api/v1/fleet-groups/" + a, Map.of("query", "type = \"valve\""),
                read.etag()).expect(200);
        assertThat(changed.path("version").asLong()).isEqualTo(2);
        api.patch(tenant.admin(), "/api/v1/fleet-groups/" + a, Map.of("name", "z"), read.etag())
                .expectProblem(412, "PRECONDITION_FAILED");
        assertThat(count(a)).isEqualTo(1);
        api.delete(tenant.admin(), "/api/v1/fleet-groups/" + a).expectProblem(409, "IN_USE");
        api.delete(tenant.admin(), "/api/v1/fleet-groups/" + b).expect(204);
        api.delete(tenant.admin(), "/api/v1/fleet-groups/" + a).expect(204);
        JsonNode audit = api.get(tenant.admin(), "/api/v1/audit?target_type=fleet_group").expect(200);
        assertThat(audit.path("items").valueStream().map(e -> e.path("action").asString()).toList())
                .containsExactly("fleet_group.delete", "fleet_group.delete", "fleet_group.update",
                        "fleet_group.create", "fleet_group.create");
        assertThat(api.get(tenant.admin(), "/api/v1/fleet-groups").expect(200).path("items").size()).isZero();
    }

    @Test
    void groupsCarryAnOptionalDescription() {
        String g = createGroup(Map.of("name", "north", "kind", "static", "description", "Pumps north\nof the river"));
        String path = "/api/v1/fleet-groups/" + g;
        assertThat(api.get(tenant.admin(), path).expect(200).path("description").asString())
                .isEqualTo("Pumps north\nof the river");
        JsonNode changed = api.patch(tenant.admin(), path, Map.of("description", "north side"), null).expect(200);
        assertThat(changed.path("description").asString()).isEqualTo("north side");
        assertThat(changed.path("version").asLong()).isEqualTo(2);

        api.patch(tenant.admin(), path, Map.of("description", "d".repeat(1025)), null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(tenant.admin(), path, Map.of("description", "bell\u0007"), null)
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(newTenant().admin(), path, Map.of("description", "theirs"), null).expectProblem(404, "NOT_FOUND");
        JsonNode now = api.get(tenant.admin(), path).expect(200);
        assertThat(now.path("description").asString()).isEqualTo("north side");
        assertThat(now.path("version").asLong()).isEqualTo(2);
        assertThat(api.patch(tenant.admin(), path, "{\"description\":null}", null).expect(200).path("description")
                .isNull()).isTrue();
    }

    @Test
    void anotherTenantsGroupIsNotFoundAndViewersOnlyRead() {
        String g = createGroup(Map.of("name", "mine", "kind", "static"));
        TestTenant other = newTenant();
        for (String path : List.of("", "/devices", "/count")) {
            api.get(other.admin(), "/api/v1/fleet-groups/" + g + path).expectProblem(404, "NOT_FOUND");
        }
        api.post(other.admin(), "/api/v1/fleet-groups/" + g + "/members", Map.of("add", List.of()))
                .expectProblem(404, "NOT_FOUND");
        api.patch(other.admin(), "/api/v1/fleet-groups/" + g, Map.of("name", "x"), null).expectProblem(404,
                "NOT_FOUND");
        api.delete(other.admin(), "/api/v1/fleet-groups/" + g).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/fleet-groups").expect(200).path("items").size()).isZero();
        String viewer = token(tenant, "viewer");
        api.get(viewer, "/api/v1/fleet-groups/" + g + "/devices").expect(200);
        api.get(viewer, "/api/v1/fleet/aggregate?group_by=type").expect(200);
        api.post(viewer, "/api/v1/fleet-groups", Map.of("name", "v", "kind", "static"))
                .expectProblem(403, "FORBIDDEN");
        api.post(viewer, "/api/v1/fleet-groups/" + g + "/members", Map.of("add", List.of()))
                .expectProblem(403, "FORBIDDEN");
    }

    private String createGroup(Map<String, ?> body) {
        return api.post(tenant.admin(), "/api/v1/fleet-groups", body).expect(201).path("id").asString();
    }

    private long count(String group) {
        return api.get(tenant.admin(), "/api/v1/fleet-groups/" + group + "/count").expect(200).path("count").asLong();
    }
}
