package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Notification channels and alert rules over HTTP: secrets never shown, bad input, If-Match, isolation, audit. */
class AlertConfigApiTests extends ApiTest {

    private static final String ROUTING_KEY = "R0123456789abcdef0123456789abcde";

    @Autowired JdbcClient jdbc;

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<String> fields(JsonNode problem) {
        return problem.path("errors").findValuesAsString("field");
    }

    @Test
    void channelSecretsAreSealedAndNeverReturned() {
        TestTenant t = newTenant();
        String url = "http://127.0.0.1:9/services/T000/B000/secretpart";
        JsonNode slack = api.post(t.admin(), "/api/v1/notification-channels",
                map("name", "ops", "kind", "slack", "url", url)).expect(201);
        JsonNode pd = api.post(t.admin(), "/api/v1/notification-channels",
                map("name", "pager", "kind", "pagerduty", "routing_key", ROUTING_KEY)).expect(201);
        for (JsonNode c : List.of(slack, pd, api.get(t.admin(), "/api/v1/notification-channels/"
                + slack.path("id").asString()).expect(200))) {
            assertThat(c.has("url")).isFalse();
            assertThat(c.has("routing_key")).isFalse();
            assertThat(c.toString()).doesNotContain("secretpart").doesNotContain(ROUTING_KEY);
        }
        assertThat(ids(api.get(t.admin(), "/api/v1/notification-channels").expect(200)))
                .containsExactly(slack.path("id").asString(), pd.path("id").asString());
        List<String> stored = jdbc.sql("SELECT secret FROM notification_channels WHERE tenant_id = ?")
                .param(t.id()).query(String.class).list();
        assertThat(stored).hasSize(2).allSatisfy(s -> assertThat(s).startsWith("v1:").doesNotContain("secretpart")
                .doesNotContain(ROUTING_KEY));
        JsonNode audit = api.get(t.admin(), "/api/v1/audit?action=notification_channel.create").expect(200);
        assertThat(audit.path("items")).hasSize(2);
        assertThat(audit.toString()).doesNotContain("secretpart");
    }

    @Test
    void badChannelsAnswer400WithTheField() {
        TestTenant t = newTenant();
        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("kind", map("name", "a", "kind", "sms", "url", "http://127.0.0.1:9/x"));
        cases.put("name", map("kind", "slack", "url", "http://127.0.0.1:9/x"));
        cases.put("routing_key", map("name", "a", "kind", "pagerduty", "routing_key", "short"));
        cases.put("to", map("name", "a", "kind", "email", "to", List.of("ops@example.com", "not an address")));
        cases.put("url", map("name", "a", "kind", "teams"));
        cases.forEach((field, body) -> assertThat(fields(api.post(t.admin(), "/api/v1/notification-channels", body)
                .expectProblem(400, "VALIDATION_FAILED"))).as(field).containsExactly(field));
        for (String url : List.of("http://169.254.169.254/latest/meta-data", "http://10.0.0.1/hook",
                "ftp://example.com/x", "http://user:pw@127.0.0.1:9/x")) {
            assertThat(fields(api.post(t.admin(), "/api/v1/notification-channels",
                    map("name", "a", "kind", "webhook", "url", url)).expectProblem(400, "VALIDATION_FAILED")))
                    .as(url).containsExactly("url");
        }
        assertThat(api.get(t.admin(), "/api/v1/notification-channels").expect(200).path("items")).isEmpty();
    }

    @Test
    void rulesValidateChangeWithIfMatchAndStayInTheirTenant() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        String channel = api.post(t.admin(), "/api/v1/notification-channels",
                map("name", "ops", "kind", "webhook", "url", "http://127.0.0.1:9/x")).expect(201).path("id").asString();
        String foreign = api.post(other.admin(), "/api/v1/notification-channels",
                map("name", "ops", "kind", "webhook", "url", "http://127.0.0.1:9/x")).expect(201).path("id").asString();

        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("kind", map("name", "r", "kind", "temperature", "severity", "info"));
        cases.put("offline_minutes", map("name", "r", "kind", "device_offline", "severity", "info"));
        cases.put("severity", map("name", "r", "kind", "job_failed", "severity", "urgent"));
        cases.put("scope", map("name", "r", "kind", "certificate", "severity", "info", "scope", "colour = ="));
        cases.put("channels", map("name", "r", "kind", "job_failed", "severity", "info", "channels", List.of(foreign)));
        cases.put("escalation.after_minutes", map("name", "r", "kind", "job_failed", "severity", "info",
                "escalation", map("after_minutes", 0, "channels", List.of(channel))));
        cases.put("escalation.channels", map("name", "r", "kind", "job_failed", "severity", "info",
                "escalation", map("after_minutes", 5, "channels", List.of(foreign))));
        cases.put("dedupe_key", map("name", "r", "kind", "job_failed", "severity", "info", "dedupe_key", "a b"));
        cases.forEach((field, body) -> assertThat(fields(api.post(t.admin(), "/api/v1/alert-rules", body)
                .expectProblem(400, "VALIDATION_FAILED"))).as(field).containsExactly(field));

        var reply = api.call("POST", "/api/v1/alert-rules").token(t.admin()).body(map("name", "offline",
                "kind", "device_offline", "offline_minutes", 5, "severity", "critical", "channels", List.of(channel),
                "scope", "type = \"sensor\"")).send();
        JsonNode rule = reply.expect(201);
        assertThat(reply.etag()).isEqualTo("\"1\"");
        assertThat(rule.path("dedupe_key").asString()).isEqualTo(rule.path("id").asString());
        assertThat(rule.path("enabled").asBoolean()).isTrue();
        String id = rule.path("id").asString();

        api.patch(t.admin(), "/api/v1/alert-rules/" + id, map("severity", "warning"), "\"9\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        api.patch(t.admin(), "/api/v1/alert-rules/" + id, map("offline_minutes", 0), "\"1\"")
                .expectProblem(400, "VALIDATION_FAILED");
        JsonNode patched = api.patch(t.admin(), "/api/v1/alert-rules/" + id, map("severity", "warning",
                "offline_minutes", 15), "\"1\"").expect(200);
        assertThat(patched.path("severity").asString()).isEqualTo("warning");
        assertThat(patched.path("offline_minutes").asInt()).isEqualTo(15);
        assertThat(patched.path("version").asLong()).isEqualTo(2);

        api.delete(t.admin(), "/api/v1/notification-channels/" + channel).expectProblem(409, "IN_USE");
        for (String path : List.of("/api/v1/alert-rules/" + id, "/api/v1/notification-channels/" + channel)) {
            api.get(other.admin(), path).expectProblem(404, "NOT_FOUND");
            api.delete(other.admin(), path).expectProblem(404, "NOT_FOUND");
        }
        api.patch(other.admin(), "/api/v1/alert-rules/" + id, map("enabled", false), null)
                .expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/alert-rules").expect(200).path("items")).isEmpty();

        api.delete(t.admin(), "/api/v1/alert-rules/" + id).expect(204);
        api.delete(t.admin(), "/api/v1/notification-channels/" + channel).expect(204);
        JsonNode audit = api.get(t.admin(), "/api/v1/audit").expect(200);
        assertThat(audit.path("items").findValuesAsString("action")).contains("alert_rule.create",
                "alert_rule.update", "alert_rule.delete", "notification_channel.delete");
    }
}
