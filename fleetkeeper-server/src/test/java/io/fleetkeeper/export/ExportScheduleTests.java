package io.fleetkeeper.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.ProviderSink;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Scheduled exports over HTTP: a cron in a time zone gives the next run; each due run queues one export of the
 * window before it (never twice, however often the due check runs); old finished exports beyond the retain count
 * are deleted. The due check is driven here with chosen instants instead of waiting for the clock.
 */
class ExportScheduleTests extends ApiTest {

    @Autowired
    private ExportScheduleService schedules;

    private TestTenant tenant;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
    }

    @Test
    void eachDueRunQueuesOneExportOfItsWindowAndOldOnesBeyondRetainAreDeleted() {
        JsonNode s = api.post(tenant.admin(), "/api/v1/export-schedules", Map.of("name", "nightly audit", "kind",
                "audit", "format", "ndjson", "cron", "0 30 3 * * *", "zone", "Europe/Berlin", "retain", 2))
                .expect(201);
        String id = s.path("id").asString();
        Instant next = Instant.parse(s.path("next_run_at").asString());
        var local = next.atZone(ZoneId.of("Europe/Berlin"));
        assertThat(local.getHour()).isEqualTo(3);
        assertThat(local.getMinute()).isEqualTo(30);
        assertThat(next).isAfter(Instant.now()).isBefore(Instant.now().plus(Duration.ofHours(26)));
        assertThat(s.path("window_seconds").asLong()).isEqualTo(86_400);

        List<String> queued = new ArrayList<>();
        for (int run = 0; run < 4; run++) {
            Instant due = Instant.parse(api.get(tenant.admin(), "/api/v1/export-schedules/" + id).expect(200)
                    .path("next_run_at").asString());
            schedules.runDue(due.minusSeconds(1));
            assertThat(exportsOf(id)).as("not yet due").hasSize(Math.min(run, 3));
            schedules.runDue(due);
            schedules.runDue(due); // a second look (another node) queues nothing more
            List<JsonNode> mine = exportsOf(id);
            assertThat(mine).hasSize(Math.min(run + 1, 3));
            JsonNode e = mine.get(0);
            assertThat(Instant.parse(e.path("to").asString())).isEqualTo(due);
            assertThat(Instant.parse(e.path("from").asString())).isEqualTo(due.minus(Duration.ofDays(1)));
            queued.add(e.path("id").asString());
            Await.until(Duration.ofSeconds(60), "scheduled export finished", () -> api.get(tenant.admin(),
                    "/api/v1/exports/" + e.path("id").asString()).expect(200),
                    x -> x.path("status").asString().equals("SUCCEEDED"));
            Instant after = Instant.parse(api.get(tenant.admin(), "/api/v1/export-schedules/" + id).expect(200)
                    .path("next_run_at").asString());
            assertThat(Duration.between(due, after)).isBetween(Duration.ofHours(23), Duration.ofHours(25));
        }
        // at the fourth run three had finished: the oldest went, the two newest finished and the new one stay
        api.get(tenant.admin(), "/api/v1/exports/" + queued.get(0)).expectProblem(404, "NOT_FOUND");
        assertThat(exportsOf(id)).extracting(n -> n.path("id").asString())
                .containsExactly(queued.get(3), queued.get(2), queued.get(1));
        assertThat(api.delete(tenant.admin(), "/api/v1/export-schedules/" + id).status()).isEqualTo(204);
        api.get(tenant.admin(), "/api/v1/export-schedules/" + id).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void badSchedulesAreRefusedNamingTheFieldAndAnotherTenantsAnswer404() {
        for (Map<String, Object> bad : List.of(
                Map.<String, Object>of("name", "x", "kind", "audit", "cron", "every night"),
                Map.<String, Object>of("name", "x", "kind", "audit", "cron", "0 0 3 * * *", "zone", "Mars/Base"),
                Map.<String, Object>of("name", "x", "kind", "audit", "cron", "* * * * * *"),
                Map.<String, Object>of("name", "x", "kind", "devices", "cron", "0 0 3 * * *", "window_seconds", 3600),
                Map.<String, Object>of("name", "x", "kind", "devices", "cron", "0 0 3 * * *", "columns",
                        List.of("secret")))) {
            api.post(tenant.admin(), "/api/v1/export-schedules", bad).expectProblem(400, "VALIDATION_FAILED");
        }
        assertThat(api.get(tenant.admin(), "/api/v1/export-schedules").expect(200).path("items")).isEmpty();
        String id = api.post(tenant.admin(), "/api/v1/export-schedules", Map.of("name", "devices", "kind",
                "devices", "cron", "0 0 3 * * MON")).expect(201).path("id").asString();
        TestTenant other = newTenant();
        api.get(other.admin(), "/api/v1/export-schedules/" + id).expectProblem(404, "NOT_FOUND");
        assertThat(api.delete(other.admin(), "/api/v1/export-schedules/" + id).status()).isEqualTo(404);
        assertThat(api.get(other.admin(), "/api/v1/export-schedules").expect(200).path("items")).isEmpty();
    }

    @Test
    void aScheduleIsEditedUnderIfMatchItsNextRunFollowsANewCronAndItsRunsUseTheNewFields() {
        String path = "/api/v1/export-schedules/" + api.post(tenant.admin(), "/api/v1/export-schedules", Map.of(
                "name", "nightly events", "kind", "device_events", "cron", "0 30 3 * * *", "zone", "Europe/Berlin"))
                .expect(201).path("id").asString();
        Reply read = api.get(tenant.admin(), path);
        assertThat(read.etag()).isEqualTo("\"1\"");
        Instant before = Instant.parse(read.json().path("next_run_at").asString());

        Reply renamed = api.patch(tenant.admin(), path, Map.of("name", "events"), read.etag());
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.etag()).isEqualTo("\"2\"");
        assertThat(renamed.json().path("name").asString()).isEqualTo("events");
        assertThat(Instant.parse(renamed.json().path("next_run_at").asString())).as("cron unchanged")
                .isEqualTo(before);

        JsonNode stale = api.patch(tenant.admin(), path, Map.of("retain", 2), read.etag())
                .expectProblem(412, "PRECONDITION_FAILED");
        assertThat(stale.path("detail").asString()).endsWith("its current ETag is \"2\"");
        assertThat(api.get(tenant.admin(), path).expect(200).path("retain").asInt()).isEqualTo(7);

        Map<String, Object> change = new java.util.HashMap<>(Map.of("cron", "0 15 12 * * *", "zone", "UTC",
                "window_seconds", 3600, "format", "ndjson", "compression", "none", "retain", 2,
                "columns", List.of("device_id", "type")));
        JsonNode edited = api.patch(tenant.admin(), path, change, renamed.etag()).expect(200);
        assertThat(edited.path("version").asLong()).isEqualTo(3);
        Instant next = Instant.parse(edited.path("next_run_at").asString());
        var utc = next.atZone(ZoneId.of("UTC"));
        assertThat(utc.getHour()).isEqualTo(12);
        assertThat(utc.getMinute()).isEqualTo(15);
        assertThat(next).isAfter(Instant.now()).isBefore(Instant.now().plus(Duration.ofHours(25)));
        assertThat(edited.path("zone").asString()).isEqualTo("UTC");
        assertThat(edited.path("name").asString()).isEqualTo("events");
        assertThat(api.get(tenant.admin(), path).expect(200)).isEqualTo(edited);

        schedules.runDue(next);
        JsonNode queued = exportsOf(edited.path("id").asString()).getFirst();
        assertThat(queued.path("format").asString()).isEqualTo("ndjson");
        assertThat(queued.path("compression").asString()).isEqualTo("none");
        assertThat(queued.path("columns")).hasSize(2);
        assertThat(Instant.parse(queued.path("from").asString())).isEqualTo(next.minusSeconds(3600));
        assertThat(Instant.parse(queued.path("to").asString())).isEqualTo(next);
        List<String> actions = new ArrayList<>();
        api.get(tenant.admin(), "/api/v1/audit?limit=100").expect(200).path("items")
                .forEach(n -> actions.add(n.path("action").asString()));
        assertThat(actions).filteredOn("export_schedule.update"::equals).hasSize(2);
    }

    @Test
    void badEditsAreRefusedAsOnCreateAndChangeNothing() {
        String path = "/api/v1/export-schedules/" + api.post(tenant.admin(), "/api/v1/export-schedules", Map.of(
                "name", "devices", "kind", "devices", "cron", "0 0 3 * * MON")).expect(201).path("id").asString();
        JsonNode original = api.get(tenant.admin(), path).expect(200);
        for (Map<String, Object> bad : List.of(
                Map.<String, Object>of("cron", "every night"),
                Map.<String, Object>of("cron", "* * * * * *"),
                Map.<String, Object>of("zone", "Mars/Base"),
                Map.<String, Object>of("window_seconds", 3600),
                Map.<String, Object>of("columns", List.of("secret")),
                Map.<String, Object>of("retain", 0),
                Map.<String, Object>of("retain", "many"),
                Map.<String, Object>of("format", "xlsx", "query", "name = "))) {
            api.patch(tenant.admin(), path, bad, null).expectProblem(400, "VALIDATION_FAILED");
        }
        java.util.HashMap<String, Object> clearName = new java.util.HashMap<>();
        clearName.put("name", null);
        assertThat(api.patch(tenant.admin(), path, clearName, null).expectProblem(400, "VALIDATION_FAILED")
                .toString()).contains("name");
        api.patch(tenant.admin(), path, Map.of("kind", "audit"), null).expectProblem(400, "READ_ONLY_FIELD");
        api.patch(tenant.admin(), path, Map.of("next_run_at", "2030-01-01T00:00:00Z"), null)
                .expectProblem(400, "UNKNOWN_FIELD");
        assertThat(api.get(tenant.admin(), path).expect(200)).isEqualTo(original);

        TestTenant other = newTenant();
        api.patch(other.admin(), path, Map.of("name", "mine"), null).expectProblem(404, "NOT_FOUND");
        api.patch(token(tenant, "viewer"), path, Map.of("name", "mine"), null).expectProblem(403, "FORBIDDEN");
        assertThat(api.get(tenant.admin(), path).expect(200)).isEqualTo(original);
    }

    /**
     * A schedule naming a webhook channel: each succeeded run sends a notice with the rows, size, digest and a
     * signed link under the public URL that downloads the artifact; the schedule shows the outcome, a failing
     * receiver included. Channels of another tenant, unknown ones and PagerDuty are refused.
     */
    @Test
    void aSucceededRunSendsItsLinkToTheSchedulesChannel() throws Exception {
        try (ProviderSink sink = new ProviderSink()) {
            String channel = api.post(tenant.admin(), "/api/v1/notification-channels", Map.of("name", "exports hook",
                    "kind", "webhook", "url", sink.url("/exports"))).expect(201).path("id").asString();
            String pager = api.post(tenant.admin(), "/api/v1/notification-channels", Map.of("name", "pager",
                    "kind", "pagerduty", "routing_key", "a".repeat(32))).expect(201).path("id").asString();
            String theirs = api.post(newTenant().admin(), "/api/v1/notification-channels", Map.of("name", "x",
                    "kind", "webhook", "url", sink.url("/x"))).expect(201).path("id").asString();
            for (String bad : List.of(pager, theirs, java.util.UUID.randomUUID().toString())) {
                JsonNode p = api.post(tenant.admin(), "/api/v1/export-schedules", Map.of("name", "n", "kind", "audit",
                        "cron", "0 0 4 * * *", "channel_id", bad)).expectProblem(400, "VALIDATION_FAILED");
                assertThat(p.path("errors").findValuesAsString("field")).containsExactly("channel_id");
            }
            JsonNode s = api.post(tenant.admin(), "/api/v1/export-schedules", Map.of("name", "daily audit", "kind",
                    "audit", "format", "csv", "compression", "gzip", "cron", "0 0 4 * * *", "channel_id", channel))
                    .expect(201);
            String id = s.path("id").asString();
            assertThat(s.path("channel_id").asString()).isEqualTo(channel);

            JsonNode export = runOnce(id);
            JsonNode notice = Await.until(Duration.ofSeconds(30), "the notice", () -> sink.at("/exports"),
                    l -> !l.isEmpty()).get(0);
            assertThat(notice.path("type").asString()).isEqualTo("export.succeeded");
            assertThat(notice.path("tenant_id").asString()).isEqualTo(tenant.id());
            assertThat(notice.path("title").asString()).contains("daily audit");
            assertThat(notice.path("facts").path("Rows").asString()).isEqualTo(export.path("row_count").asString());
            assertThat(notice.path("facts").path("SHA-256").asString()).isEqualTo(export.path("sha256").asString());
            String link = notice.path("link").asString();
            assertThat(link).startsWith(EXPORT_PUBLIC_URL + "/downloads/exports/" + tenant.id() + "/"
                    + export.path("id").asString() + "?expires=");
            // the link without a token, at this server's address instead of the public one
            java.net.http.HttpResponse<byte[]> got = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(api.uri(link.substring(EXPORT_PUBLIC_URL.length()))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).hasSize(export.path("size").asInt());
            assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(got.body()))).isEqualTo(export.path("sha256").asString());
            JsonNode after = api.get(tenant.admin(), "/api/v1/export-schedules/" + id).expect(200);
            assertThat(after.path("last_delivery_at").isNull()).isFalse();
            assertThat(after.path("last_delivery_error").isNull()).isTrue();

            sink.answer(500);
            runOnce(id);
            Await.until(Duration.ofSeconds(30), "the failed delivery recorded", () -> api.get(tenant.admin(),
                    "/api/v1/export-schedules/" + id).expect(200),
                    n -> "HTTP 500".equals(n.path("last_delivery_error").asString(null)));
            assertThat(sink.at("/exports")).hasSize(2);
            assertThat(api.patch(tenant.admin(), "/api/v1/export-schedules/" + id,
                    java.util.Collections.singletonMap("channel_id", null), null).expect(200).path("channel_id")
                    .isNull()).isTrue();
        }
    }

    /** Runs the schedule's next occurrence now and waits for that export to succeed. */
    private JsonNode runOnce(String scheduleId) {
        Instant due = Instant.parse(api.get(tenant.admin(), "/api/v1/export-schedules/" + scheduleId).expect(200)
                .path("next_run_at").asString());
        schedules.runDue(due);
        String exportId = exportsOf(scheduleId).get(0).path("id").asString();
        return Await.until(Duration.ofSeconds(60), "scheduled export finished", () -> api.get(tenant.admin(),
                "/api/v1/exports/" + exportId).expect(200), x -> x.path("status").asString().equals("SUCCEEDED"));
    }

    private List<JsonNode> exportsOf(String scheduleId) {
        List<JsonNode> out = new ArrayList<>();
        api.get(tenant.admin(), "/api/v1/exports?limit=100").expect(200).path("items").forEach(n -> {
            if (scheduleId.equals(n.path("schedule_id").asString())) {
                out.add(n);
            }
        });
        return out;
    }
}
