package io.fleetkeeper.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.ClusterMessage.Invalidate;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/devices/{id}/shadow…}: operators' side of the shadow over HTTP. */
class ShadowApiTests extends ApiTest {

    @Autowired
    private JdbcClient jdbc;
    @Autowired
    private ClusterBus bus;

    private TestTenant tenant;
    private String path;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
        path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString();
    }

    @Test
    void desiredIsMergedVersionedAndDeltaIsComputed() {
        Reply created = api.patch(tenant.admin(), path + "/shadow",
                desired("{\"fan\":{\"speed\":3},\"mode\":\"eco\",\"zones\":[1,2]}"), null);
        JsonNode doc = created.expect(200);
        assertThat(created.etag()).isEqualTo("\"1\"");
        assertThat(doc.path("version").asLong()).isEqualTo(1);
        assertThat(doc.path("state").path("delta")).isEqualTo(doc.path("state").path("desired"));
        assertThat(doc.path("metadata").path("desired").path("fan").path("speed").path("timestamp").asLong())
                .isPositive();
        assertThat(doc.has("name")).isFalse();

        JsonNode second = api.patch(tenant.admin(), path + "/shadow",
                "{\"state\":{\"desired\":{\"fan\":{\"dir\":\"in\"},\"mode\":null}},\"client_token\":\"op-7\"}", "\"1\"")
                .expect(200);
        assertThat(second.path("state").path("desired").toString())
                .isEqualTo("{\"fan\":{\"speed\":3,\"dir\":\"in\"},\"zones\":[1,2]}");
        assertThat(second.path("client_token").asString()).isEqualTo("op-7");
        Reply got = api.get(tenant.admin(), path + "/shadow");
        assertThat(got.expect(200).path("version").asLong()).isEqualTo(2);
        assertThat(got.etag()).isEqualTo("\"2\"");
        assertThat(api.get(tenant.admin(), path + "/shadow/delta").expect(200).path("state").toString())
                .isEqualTo("{\"fan\":{\"speed\":3,\"dir\":\"in\"},\"zones\":[1,2]}");

        api.patch(tenant.admin(), path + "/shadow", "{\"state\":{\"desired\":null}}", null).expect(200);
        assertThat(api.get(tenant.admin(), path + "/shadow").expect(200).path("state").path("desired").isEmpty())
                .isTrue();
    }

    @Test
    void staleIfMatchIs412AndStaleBodyVersionIs409AndChangeNothing() {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":1}"), null).expect(200);
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":2}"), "\"7\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        JsonNode conflict = api.patch(tenant.admin(), path + "/shadow",
                "{\"state\":{\"desired\":{\"a\":3}},\"version\":0}", null).expectProblem(409, "VERSION_CONFLICT");
        assertThat(conflict.path("current_version").asLong()).isEqualTo(1);
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":2}"), "W/\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        JsonNode now = api.get(tenant.admin(), path + "/shadow").expect(200);
        assertThat(now.path("version").asLong()).isEqualTo(1);
        assertThat(now.path("state").path("desired").path("a").asInt()).isEqualTo(1);
        api.patch(tenant.admin(), path + "/shadow", "{\"state\":{\"desired\":{\"a\":4}},\"version\":1}", null)
                .expect(200);
    }

    @Test
    void ofOneHundredConcurrentUpdatesExpectingTheSameVersionExactlyOneWins() throws Exception {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"n\":-1}"), null).expect(200);
        int writers = 100;
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int n = i;
            calls.add(() -> {
                start.await();
                return api.patch(tenant.admin(), path + "/shadow", desired("{\"n\":" + n + "}"), "\"1\"");
            });
        }
        List<Reply> replies = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Reply>> futures = calls.stream().map(pool::submit).toList();
            start.countDown();
            for (Future<Reply> f : futures) {
                replies.add(f.get());
            }
        }
        List<Reply> won = replies.stream().filter(r -> r.status() == 200).toList();
        assertThat(won).hasSize(1);
        assertThat(replies.stream().filter(r -> r.status() == 412)).hasSize(writers - 1);
        JsonNode stored = api.get(tenant.admin(), path + "/shadow").expect(200);
        assertThat(stored.path("version").asLong()).isEqualTo(2);
        assertThat(stored.path("state").path("desired").path("n").asInt())
                .isEqualTo(won.get(0).json().path("state").path("desired").path("n").asInt());
    }

    @Test
    void operatorsCannotWriteReportedAndViewersCannotWrite() {
        api.patch(tenant.admin(), path + "/shadow", "{\"state\":{\"reported\":{\"a\":1}}}", null)
                .expectProblem(403, "FORBIDDEN");
        api.patch(tenant.admin(), path + "/shadow", "{\"state\":{\"desired\":{\"a\":1},\"reported\":{\"a\":1}}}",
                null).expectProblem(403, "FORBIDDEN");
        api.patch(tenant.admin(), path + "/shadow", "{\"desired\":{\"a\":1}}", null)
                .expectProblem(400, "UNKNOWN_FIELD");
        api.patch(tenant.admin(), path + "/shadow", "{\"state\":{\"desired\":[1]}}", null)
                .expectProblem(400, "VALIDATION_FAILED");
        String viewer = token(tenant, "viewer");
        api.patch(viewer, path + "/shadow", desired("{\"a\":1}"), null).expectProblem(403, "FORBIDDEN");
        String operator = token(tenant, "operator");
        api.patch(operator, path + "/shadow", desired("{\"a\":1}"), null).expect(200);
        api.get(viewer, path + "/shadow").expect(200);
        api.get(tenant.admin(), path + "/shadow/other").expectProblem(404, "NOT_FOUND");
    }

    @Test
    void limitsAnswerWithEachViolationAndChangeNothing() {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":1}"), null).expect(200);
        String deep = "{\"l1\":{\"l2\":{\"l3\":{\"l4\":{\"l5\":{\"l6\":{\"l7\":{\"l8\":{\"l9\":1}}}}}}}}}";
        JsonNode tooDeep = api.patch(tenant.admin(), path + "/shadow", desired(deep), null)
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(tooDeep.path("errors").get(0).path("field").asString())
                .isEqualTo("state.desired.l1.l2.l3.l4.l5.l6.l7.l8");
        api.patch(tenant.admin(), path + "/shadow", desired(deep.replace("{\"l9\":1}", "1")), null).expect(200);

        JsonNode longKey = api.patch(tenant.admin(), path + "/shadow",
                desired("{\"" + "k".repeat(129) + "\":1,\"" + "j".repeat(200) + "\":2}"), null)
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(longKey.path("errors")).hasSize(2);

        api.patch(tenant.admin(), path + "/shadow", desired("{\"blob\":\"" + "x".repeat(33_000) + "\"}"), null)
                .expectProblem(413, "PAYLOAD_TOO_LARGE");
        JsonNode now = api.get(tenant.admin(), path + "/shadow").expect(200);
        assertThat(now.path("version").asLong()).isEqualTo(2);
        assertThat(now.path("state").path("desired").has("blob")).isFalse();
    }

    @Test
    void namedShadowsAreListedCappedAndValidated() {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":1}"), null).expect(200);
        for (int i = 0; i < 10; i++) {
            JsonNode named = api.patch(tenant.admin(), path + "/shadow/cfg-" + i, desired("{\"i\":" + i + "}"), null)
                    .expect(200);
            assertThat(named.path("name").asString()).isEqualTo("cfg-" + i);
        }
        api.patch(tenant.admin(), path + "/shadow/cfg-10", desired("{\"i\":10}"), null)
                .expectProblem(409, "CONFLICT");
        api.patch(tenant.admin(), path + "/shadow/cfg-3", desired("{\"i\":33}"), null).expect(200);
        JsonNode list = api.get(tenant.admin(), path + "/shadows").expect(200).path("items");
        assertThat(list).hasSize(11);
        assertThat(list.get(0).has("name")).isFalse();
        assertThat(api.get(tenant.admin(), path + "/shadow/cfg-3/delta").expect(200).path("state").path("i").asInt())
                .isEqualTo(33);
        api.patch(tenant.admin(), path + "/shadow/bad.name", desired("{\"i\":1}"), null)
                .expectProblem(400, "INVALID_PARAMETER");
        api.patch(tenant.admin(), path + "/shadow/" + "n".repeat(65), desired("{\"i\":1}"), null)
                .expectProblem(400, "INVALID_PARAMETER");
        api.patch(tenant.admin(), path + "/shadow/history", desired("{\"i\":1}"), null)
                .expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void versionsAreNeverReusedAcrossDeleteAndRecreateAndHistoryKeepsThem() {
        api.patch(tenant.admin(), path + "/shadow/cfg", desired("{\"a\":1}"), null).expect(200);
        api.patch(tenant.admin(), path + "/shadow/cfg", desired("{\"a\":2}"), null).expect(200);
        api.delete(tenant.admin(), path + "/shadow/cfg").expect(204);
        api.get(tenant.admin(), path + "/shadow/cfg").expectProblem(404, "NOT_FOUND");
        api.delete(tenant.admin(), path + "/shadow/cfg").expectProblem(404, "NOT_FOUND");
        Reply again = api.patch(tenant.admin(), path + "/shadow/cfg", desired("{\"b\":1}"), null);
        assertThat(again.expect(200).path("version").asLong()).isEqualTo(4);
        assertThat(again.json().path("state").path("desired").toString()).isEqualTo("{\"b\":1}");

        JsonNode history = api.get(tenant.admin(), path + "/shadow/cfg/history").expect(200).path("items");
        assertThat(history.valueStream().map(v -> v.path("version").asLong())).containsExactly(4L, 3L, 2L, 1L);
        assertThat(history.get(1).path("deleted").asBoolean()).isTrue();
        assertThat(history.get(0).path("actor").asString()).isEqualTo(tenant.adminActor());
        JsonNode v2 = api.get(tenant.admin(), path + "/shadow/cfg/history/2").expect(200);
        assertThat(v2.path("document").path("state").path("desired").path("a").asInt()).isEqualTo(2);
        api.get(tenant.admin(), path + "/shadow/cfg/history/9").expectProblem(404, "NOT_FOUND");

        api.call("DELETE", path + "/shadow/cfg").token(tenant.admin()).header("If-Match", "\"3\"").send()
                .expectProblem(412, "PRECONDITION_FAILED");
    }

    @Test
    void writesAreAuditedAndRecordedAsDeviceEvents() {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":1}"), null).expect(200);
        JsonNode events = api.get(tenant.admin(), path + "/events").expect(200).path("items");
        assertThat(events.get(0).path("type").asString()).isEqualTo("SHADOW-UPDATED");
        assertThat(events.get(0).path("actor").asString()).isEqualTo(tenant.adminActor());
        assertThat(events.get(0).path("details").path("version").asLong()).isEqualTo(1);
        String id = path.substring(path.lastIndexOf('/') + 1);
        JsonNode audit = api.get(tenant.admin(), "/api/v1/audit?action=shadow.update&target_id=" + id).expect(200);
        assertThat(audit.path("items")).hasSize(1);
    }

    @Test
    void anotherTenantsDeviceShadowIsNotFound() {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":1}"), null).expect(200);
        TestTenant other = newTenant();
        api.get(other.admin(), path + "/shadow").expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path + "/shadow/delta").expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path + "/shadows").expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path + "/shadow/history").expectProblem(404, "NOT_FOUND");
        api.patch(other.admin(), path + "/shadow", desired("{\"a\":2}"), null).expectProblem(404, "NOT_FOUND");
        api.delete(other.admin(), path + "/shadow").expectProblem(404, "NOT_FOUND");
        assertThat(api.get(tenant.admin(), path + "/shadow").expect(200).path("state").path("desired").path("a")
                .asInt()).isEqualTo(1);
    }

    @Test
    void purgingTheDeviceRemovesItsShadows() {
        api.patch(tenant.admin(), path + "/shadow", desired("{\"a\":1}"), null).expect(200);
        api.delete(tenant.admin(), path).expect(204);
        api.get(tenant.admin(), path + "/shadow").expectProblem(404, "NOT_FOUND");
    }

    @Test
    void aDeviceTypesJsonSchemaRefusesViolatingWritesWithEveryViolation() {
        createType(tenant.admin(), "thermostat");
        String id = createDevice(tenant.admin(), Map.of("name", "t1", "device_type", "thermostat")).path("id")
                .asString();
        String schemaPath = "/api/v1/device-types/thermostat/shadow-schema";
        api.get(tenant.admin(), schemaPath).expectProblem(404, "NOT_FOUND");
        api.call("PUT", "/api/v1/device-types/nope/shadow-schema").token(tenant.admin())
                .body("{\"desired\":{\"type\":\"object\"}}").send().expectProblem(404, "NOT_FOUND");
        api.call("PUT", schemaPath).token(tenant.admin()).body("{\"desired\":[1]}").send()
                .expectProblem(400, "VALIDATION_FAILED");
        // nothing is fetched from elsewhere: only references inside the schema
        api.call("PUT", schemaPath).token(tenant.admin())
                .body("{\"desired\":{\"properties\":{\"a\":{\"$ref\":\"http://169.254.169.254/x\"}}}}").send()
                .expectProblem(400, "VALIDATION_FAILED");
        api.call("PUT", schemaPath).token(tenant.admin()).body("{\"reported\":{\"$id\":\"file:///etc/x\"}}").send()
                .expectProblem(400, "VALIDATION_FAILED");
        String schema = """
                {"desired":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
                   "additionalProperties":false,"$defs":{"t":{"type":"number","minimum":5,"maximum":30}},
                   "properties":{"temp":{"$ref":"#/$defs/t"},"mode":{"enum":["heat","off"]}}},
                 "reported":null}""";
        Reply put = api.call("PUT", schemaPath).token(tenant.admin()).body(schema).send();
        assertThat(put.expect(200).path("desired").path("type").asString()).isEqualTo("object");
        assertThat(api.get(tenant.admin(), schemaPath).expect(200).path("version").asLong()).isEqualTo(1);

        String shadow = "/api/v1/devices/" + id + "/shadow";
        JsonNode refused = api.patch(tenant.admin(), shadow, desired("{\"temp\":40,\"mode\":\"cool\",\"x\":1}"),
                null).expectProblem(400, "VALIDATION_FAILED");
        assertThat(refused.path("errors")).hasSize(3);
        assertThat(refused.path("errors").findValuesAsString("field"))
                .contains("state.desired.temp", "state.desired.mode");
        api.get(tenant.admin(), shadow).expectProblem(404, "NOT_FOUND");
        api.patch(tenant.admin(), shadow, desired("{\"temp\":21}"), null).expect(200);
        api.patch(tenant.admin(), shadow, desired("{\"temp\":\"warm\"}"), null).expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(tenant.admin(), shadow).expect(200).path("version").asLong()).isEqualTo(1);
        // other device types are not affected
        api.patch(tenant.admin(), path + "/shadow", desired("{\"temp\":99}"), null).expect(200);

        api.delete(tenant.admin(), schemaPath).expect(204);
        api.patch(tenant.admin(), shadow, desired("{\"temp\":\"warm\"}"), null).expect(200);
    }

    @Test
    void aSchemaReplacedOnAnotherNodeAppliesHereOnceTheBusSaysSo() {
        createType(tenant.admin(), "meter");
        String id = createDevice(tenant.admin(), Map.of("name", "m1", "device_type", "meter")).path("id").asString();
        String shadow = "/api/v1/devices/" + id + "/shadow";
        api.call("PUT", "/api/v1/device-types/meter/shadow-schema").token(tenant.admin())
                .body("{\"desired\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"number\"}}}}").send()
                .expect(200);
        api.patch(tenant.admin(), shadow, desired("{\"v\":\"x\"}"), null).expectProblem(400, "VALIDATION_FAILED");

        // another node lifts the constraint: its row changes, but this node checks against its cache...
        jdbc.sql("UPDATE shadow_schemas SET desired = '{\"type\":\"object\"}', version = version + 1 "
                + "WHERE tenant_id = ? AND device_type = 'meter'").params(tenant.id()).update();
        api.patch(tenant.admin(), shadow, desired("{\"v\":\"x\"}"), null).expectProblem(400, "VALIDATION_FAILED");
        // ...until the other node's invalidation arrives (its own invalidations a node ignores)
        bus.publish(new Invalidate(bus.nodeId(), Invalidate.SHADOW_SCHEMAS, tenant.id() + "/meter"));
        api.patch(tenant.admin(), shadow, desired("{\"v\":\"x\"}"), null).expectProblem(400, "VALIDATION_FAILED");
        bus.publish(new Invalidate("another-node", Invalidate.SHADOW_SCHEMAS, tenant.id() + "/meter"));
        api.patch(tenant.admin(), shadow, desired("{\"v\":\"x\"}"), null).expect(200);

        // and back, dropped by the invalidation of every cache a node sends itself when its bus link returns
        jdbc.sql("UPDATE shadow_schemas SET desired = '{\"type\":\"object\",\"maxProperties\":0}' "
                + "WHERE tenant_id = ? AND device_type = 'meter'").params(tenant.id()).update();
        api.patch(tenant.admin(), shadow, desired("{\"v\":1}"), null).expect(200);
        bus.publish(new Invalidate("link-restored", Invalidate.ALL, null));
        api.patch(tenant.admin(), shadow, desired("{\"v\":2}"), null).expectProblem(400, "VALIDATION_FAILED");
    }

    @Test
    void historyShowsTheNewestVersionsWhileOlderOnesAwaitTheirTrim() {
        for (int i = 1; i <= 29; i++) {
            api.patch(tenant.admin(), path + "/shadow", desired("{\"i\":" + i + "}"), null).expect(200);
        }
        JsonNode history = api.get(tenant.admin(), path + "/shadow/history").expect(200).path("items");
        assertThat(history.valueStream().map(v -> v.path("version").asLong()))
                .containsExactly(29L, 28L, 27L, 26L, 25L, 24L, 23L, 22L, 21L, 20L);
        api.get(tenant.admin(), path + "/shadow/history/20").expect(200);
        api.get(tenant.admin(), path + "/shadow/history/19").expectProblem(404, "NOT_FOUND");
        api.get(tenant.admin(), path + "/shadow/history/17").expectProblem(404, "NOT_FOUND");
        // stored: at least the ten shown, and fewer than ten plus the trim interval
        long stored = jdbc.sql("SELECT COUNT(*) FROM shadow_history WHERE device_id = ?")
                .params(path.substring(path.lastIndexOf('/') + 1)).query(Long.class).single();
        assertThat(stored).isBetween(10L, 17L);
    }

    static String desired(String json) {
        return "{\"state\":{\"desired\":" + json + "}}";
    }

    static Map<String, Object> reported(Map<String, Object> state) {
        return Map.of("state", Map.of("reported", state));
    }
}
