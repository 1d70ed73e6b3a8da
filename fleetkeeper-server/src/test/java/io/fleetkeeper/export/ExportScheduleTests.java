package io.fleetkeeper.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
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
