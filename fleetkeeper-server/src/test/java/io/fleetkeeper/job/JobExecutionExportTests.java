package io.fleetkeeper.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.job.internal.JobEngine;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.TestTenant;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An export of job executions holds, for the devices a fleet query selects, the executions the API lists. */
class JobExecutionExportTests extends JobFixture {

    @Test
    void jobExecutionsOfTheQueriedDevicesAreExportedAsTheApiListsThem() throws Exception {
        TestTenant t = newTenant();
        Fleet fleet = fleet(t, 3);
        Map<String, Object> other = device("other");
        other.put("device_type", "other-type");
        createDevice(t.admin(), other);
        JobEngine engine = engine(Clock.systemUTC(), "export-test-node");
        String job = createJob(t, Map.of("target", Map.of("query", "type = \"" + fleet.type() + "\""),
                "operation", Map.of("type", "command", "name", "reboot"))).path("id").asString();
        engine.tick();
        List<JsonNode> listed = executions(t, job);
        assertThat(listed).hasSize(3);

        String id = api.post(t.admin(), "/api/v1/exports", Map.of("kind", "job_executions", "format", "ndjson",
                "compression", "none", "query", "type = \"" + fleet.type() + "\"")).expect(202).path("id").asString();
        JsonNode done = Await.until(Duration.ofSeconds(60), "the export finished",
                () -> api.get(t.admin(), "/api/v1/exports/" + id).expect(200),
                e -> e.path("status").asString().equals("SUCCEEDED"));
        assertThat(done.path("row_count").asLong()).isEqualTo(3);
        String link = api.get(t.admin(), "/api/v1/exports/" + id + "/download").header("Location");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(api.uri(link)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonMapper json = JsonMapper.builder().build();
        List<JsonNode> lines = Arrays.stream(r.body().split("\n")).map(json::readTree).toList();
        // one device after another in id order, as the job's own listing orders them
        assertThat(lines).containsExactlyElementsOf(listed);
    }
}
