package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job survives a SIGKILL of the node dispatching it: the real server runs as a process with its scheduled job
 * runner, is killed in the middle of a rate-limited rollout, and a new process on the same data takes the job
 * over once the dead node's lease has expired. Every targeted device ends with exactly one execution and
 * exactly one command, the execution's.
 */
class JobRestartTest {

    private static final int DEVICES = 300;
    private static final String[] ARGS = {"--fleetkeeper.jobs.lease-ttl=5s"};

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    @Test
    void sigkillMidRolloutLosesAndRepeatsNoExecution() throws Exception {
        String token;
        String jobId;
        List<String> deviceIds;
        long startedBeforeKill;
        long killedAt;
        try (ServerProcess server = new ServerProcess(dataDir).start(ARGS)) {
            token = call(server, "POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                    "{\"name\":\"jobs\"}").path("admin_token").path("token").asString();
            deviceIds = importDevices(server, token);
            assertThat(deviceIds).hasSize(DEVICES);
            // 600 a minute: the 300 executions start over about 30 s, ten a second
            jobId = call(server, "POST", "/api/v1/jobs", token, """
                    {"name":"restart","target":{"query":"type = \\"meter\\""},
                     "operation":{"type":"command","name":"reboot","payload":{"delay":1}},
                     "rollout":{"max_per_minute":600}}""").path("id").asString();
            JsonNode running = await(server, token, jobId, j -> count(j, "IN_PROGRESS") >= 40, 20,
                    "40 executions started");
            startedBeforeKill = count(running, "IN_PROGRESS");
            assertThat(startedBeforeKill).as("killed in the middle of the rollout").isLessThan(DEVICES);
            assertThat(running.path("progress").path("targeted").asLong()).isEqualTo(DEVICES);
            server.kill();
            killedAt = System.nanoTime();
        }

        try (ServerProcess again = new ServerProcess(dataDir).start(ARGS)) {
            long readyAt = System.nanoTime();
            JsonNode first = job(again, token, jobId);
            long atRestart = count(first, "IN_PROGRESS");
            assertThat(atRestart).as("nothing started before the kill is lost").isGreaterThanOrEqualTo(
                    startedBeforeKill);
            await(again, token, jobId, j -> count(j, "IN_PROGRESS") > atRestart || atRestart == DEVICES, 30,
                    "the new node took the job over");
            long takeover = System.nanoTime();
            JsonNode done = await(again, token, jobId,
                    j -> count(j, "QUEUED") == 0 && count(j, "IN_PROGRESS") == DEVICES, 40,
                    "every execution started");
            System.out.printf("JobRestartTest: %d started before the SIGKILL, %d when the new process was ready;"
                    + " takeover %d ms after ready, %d ms after the kill; all %d started %d ms after the kill%n",
                    startedBeforeKill, atRestart, TimeUnit.NANOSECONDS.toMillis(takeover - readyAt),
                    TimeUnit.NANOSECONDS.toMillis(takeover - killedAt), DEVICES,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            assertThat(done.path("status").asString()).isEqualTo("IN_PROGRESS");
            assertThat(done.path("progress").path("targeted").asLong()).isEqualTo(DEVICES);

            List<JsonNode> executions = executions(again, token, jobId);
            assertThat(executions).hasSize(DEVICES);
            Map<String, String> commandOf = new HashMap<>();
            for (JsonNode e : executions) {
                assertThat(e.path("status").asString()).isEqualTo("IN_PROGRESS");
                assertThat(e.path("attempt").asInt()).isZero();
                assertThat(commandOf.put(e.path("device_id").asString(), e.path("command_id").asString()))
                        .as("one execution per device").isNull();
            }
            assertThat(commandOf.keySet()).containsExactlyInAnyOrderElementsOf(deviceIds);
            assertThat(new HashSet<>(commandOf.values())).as("distinct commands").hasSize(DEVICES)
                    .doesNotContain("", "null");
            for (String device : deviceIds) {
                JsonNode commands = call(again, "GET", "/api/v1/devices/" + device + "/commands?limit=10", token,
                        null).path("items");
                assertThat(commands).as("the commands of device " + device).hasSize(1);
                assertThat(commands.get(0).path("id").asString()).isEqualTo(commandOf.get(device));
                assertThat(commands.get(0).path("job_id").asString()).isEqualTo(jobId);
                assertThat(commands.get(0).path("status").asString()).isEqualTo("QUEUED");
            }
        }
    }

    /** Imports the devices (NDJSON bulk import); returns the created ids. */
    private List<String> importDevices(ServerProcess server, String token) throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < DEVICES; i++) {
            body.append("{\"name\":\"m").append(i).append("\",\"device_type\":\"meter\"}\n");
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/v1/devices/import"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            JsonNode row = json.readTree(line);
            if ("created".equals(row.path("result").asString())) {
                ids.add(row.path("id").asString());
            }
        }
        return ids;
    }

    private List<JsonNode> executions(ServerProcess server, String token, String jobId) throws Exception {
        List<JsonNode> all = new ArrayList<>();
        Set<String> cursors = new HashSet<>();
        String cursor = null;
        do {
            JsonNode page = call(server, "GET", "/api/v1/jobs/" + jobId + "/executions?limit=100"
                    + (cursor == null ? "" : "&cursor=" + cursor), token, null);
            page.path("items").forEach(all::add);
            cursor = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
            assertThat(cursor == null || cursors.add(cursor)).as("pages advance").isTrue();
        } while (cursor != null);
        return all;
    }

    private JsonNode job(ServerProcess server, String token, String jobId) throws Exception {
        return call(server, "GET", "/api/v1/jobs/" + jobId, token, null);
    }

    private static long count(JsonNode job, String status) {
        return job.path("progress").path("counts").path(status).asLong();
    }

    /** Polls the job until {@code done} holds; fails after {@code seconds}. */
    private JsonNode await(ServerProcess server, String token, String jobId, Predicate<JsonNode> done, int seconds,
            String what) throws Exception {
        try {
            return Await.until(Duration.ofSeconds(seconds), what, () -> job(server, token, jobId), done);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nlog: " + Files.readString(server.log()), e);
        }
    }

    private JsonNode call(ServerProcess server, String method, String path, String token, String body)
            throws Exception {
        return server.call(method, path, token, body);
    }
}
