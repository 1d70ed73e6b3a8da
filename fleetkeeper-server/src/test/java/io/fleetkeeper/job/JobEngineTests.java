package io.fleetkeeper.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.job.internal.JobEngine;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The runner's rules with a clock the test moves: rate, ramp, abort, retries, time-outs, targeting, leases. */
class JobEngineTests extends JobFixture {

    private MutableClock clock;
    private JobEngine engine;
    private TestTenant t;
    private UUID tenantId;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(Instant.now());
        engine = engine(clock, "node-a-" + UUID.randomUUID());
        t = newTenant();
        tenantId = UUID.fromString(t.id());
    }

    /** Creates the job, then brings the test clock up to the server's time of creation. */
    @Override
    JsonNode createJob(TestTenant tenant, Map<String, Object> body) {
        JsonNode job = super.createJob(tenant, body);
        Instant created = Instant.parse(job.path("created_at").asString());
        if (clock.instant().isBefore(created)) {
            clock.advance(Duration.between(clock.instant(), created));
        }
        return job;
    }

    private Map<String, Object> commandJob(Fleet f) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("target", Map.of("query", typeQuery(f)));
        body.put("operation", Map.of("type", "command", "name", "reboot", "payload", Map.of("delay", 1)));
        return body;
    }

    /** Ticks once per simulated second for {@code seconds}. */
    private void run(int seconds) {
        run(engine, seconds);
    }

    private void run(JobEngine node, int seconds) {
        for (int i = 0; i < seconds; i++) {
            node.tick();
            clock.advance(Duration.ofSeconds(1));
        }
    }

    private List<Long> startTimes(String jobId) {
        List<Long> starts = new ArrayList<>();
        for (JsonNode e : executions(t, jobId)) {
            if (!e.path("started_at").isNull()) {
                starts.add(Instant.parse(e.path("started_at").asString()).toEpochMilli());
            }
        }
        return starts;
    }

    @Test
    void rolloutRateIsHonouredInEveryMinuteAndEveryWindow() {
        Fleet f = fleet(t, 35);
        Map<String, Object> body = commandJob(f);
        body.put("rollout", Map.of("max_per_minute", 10));
        String id = createJob(t, body).path("id").asString();
        long t0 = clock.millis();
        run(185);
        List<Long> starts = startTimes(id);
        Map<Long, Integer> perMinute = new HashMap<>();
        starts.forEach(s -> perMinute.merge((s - t0) / 60_000, 1, Integer::sum));
        assertThat(perMinute).containsEntry(0L, 10).containsEntry(1L, 10).containsEntry(2L, 10);
        for (long from : starts) { // any 60 s window, starting at any start
            assertThat(starts.stream().filter(s -> s >= from && s < from + 60_000).count()).isLessThanOrEqualTo(10);
        }
        // spread out, not a burst: the first minute's starts take most of the minute
        List<Long> first = starts.stream().filter(s -> s - t0 < 60_000).sorted().toList();
        assertThat(first.getLast() - first.getFirst()).isGreaterThanOrEqualTo(50_000);
        assertThat(job(t, id).path("progress").path("current_rate_per_minute").asLong()).isEqualTo(10);
    }

    @Test
    void exponentialRampRaisesTheRateUpToTheMaximum() {
        Fleet f = fleet(t, 60);
        Map<String, Object> body = commandJob(f);
        body.put("rollout", Map.of("max_per_minute", 40, "exponential", Map.of("base_per_minute", 5,
                "increment_factor", 2, "increase_every", Map.of("notified", 5))));
        String id = createJob(t, body).path("id").asString();
        List<Long> rates = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            run(1);
            long r = job(t, id).path("progress").path("current_rate_per_minute").asLong();
            if (rates.isEmpty() || rates.getLast() != r) {
                rates.add(r);
            }
        }
        assertThat(rates).containsExactly(5L, 10L, 20L, 40L);
        assertThat(count(job(t, id), "IN_PROGRESS")).isEqualTo(60);
    }

    @Test
    void abortThresholdStopsTheJobAndCancelsWhatIsQueued() {
        Fleet f = fleet(t, 20);
        Map<String, Object> body = commandJob(f);
        body.put("rollout", Map.of("max_per_minute", 5));
        body.put("abort", List.of(Map.of("failure_type", "FAILED", "min_executed", 4, "threshold_percent", 50)));
        String id = createJob(t, body).path("id").asString();
        run(50); // five started
        List<JsonNode> started = executions(t, id).stream()
                .filter(e -> e.path("status").asString().equals("IN_PROGRESS")).toList();
        assertThat(started).hasSize(5);
        report(started.get(0), "SUCCEEDED");
        report(started.get(1), "SUCCEEDED");
        report(started.get(2), "FAILED");
        run(1);
        assertThat(job(t, id).path("status").asString()).isEqualTo("IN_PROGRESS"); // 1 of 3 executed: below min
        report(started.get(3), "FAILED");
        run(3);
        JsonNode j = job(t, id);
        assertThat(j.path("status").asString()).isEqualTo("ABORTED");
        assertThat(j.path("status_reason").asString()).contains("FAILED: 2 of 4 executed");
        assertThat(count(j, "QUEUED")).isZero();
        assertThat(count(j, "CANCELED")).isEqualTo(15);
        assertThat(count(j, "IN_PROGRESS")).isEqualTo(1); // left to finish
        report(started.get(4), "SUCCEEDED");
        run(2);
        assertThat(count(job(t, id), "SUCCEEDED")).isEqualTo(3);
        assertThat(jobRepository.find(tenantId, UUID.fromString(id)).orElseThrow().active()).isFalse();
    }

    @Test
    void aFailedExecutionIsRetriedWithANewCommandUntilRetriesRunOut() {
        Fleet f = fleet(t, 1);
        Map<String, Object> body = commandJob(f);
        body.put("retries", List.of(Map.of("failure_type", "FAILED", "max_retries", 1)));
        String id = createJob(t, body).path("id").asString();
        run(1);
        JsonNode first = executions(t, id).getFirst();
        report(first, "FAILED");
        JsonNode again = executions(t, id).getFirst();
        assertThat(again.path("status").asString()).isEqualTo("QUEUED");
        assertThat(again.path("attempt").asInt()).isEqualTo(1);
        run(1);
        JsonNode second = executions(t, id).getFirst();
        assertThat(second.path("status").asString()).isEqualTo("IN_PROGRESS");
        assertThat(second.path("command_id").asString()).isNotEqualTo(first.path("command_id").asString());
        report(second, "FAILED");
        run(1);
        JsonNode last = executions(t, id).getFirst();
        assertThat(last.path("status").asString()).isEqualTo("FAILED");
        assertThat(last.path("attempt").asInt()).isEqualTo(1);
        assertThat(job(t, id).path("status").asString()).isEqualTo("COMPLETED");
        JsonNode commands = api.get(t.admin(), "/api/v1/devices/" + f.ids().getFirst() + "/commands").expect(200);
        assertThat(commands.path("items").size()).isEqualTo(2);
    }

    @Test
    void anExecutionWithoutAnOutcomeTimesOutAndItsCommandIsCanceled() {
        Fleet f = fleet(t, 1);
        Map<String, Object> body = commandJob(f);
        body.put("timeout_seconds", 60);
        String id = createJob(t, body).path("id").asString();
        run(1);
        String command = executions(t, id).getFirst().path("command_id").asString();
        run(58);
        assertThat(executions(t, id).getFirst().path("status").asString()).isEqualTo("IN_PROGRESS");
        run(3);
        JsonNode e = executions(t, id).getFirst();
        assertThat(e.path("status").asString()).isEqualTo("TIMED_OUT");
        assertThat(api.get(t.admin(), "/api/v1/devices/" + f.ids().getFirst() + "/commands/" + command).expect(200)
                .path("status").asString()).isEqualTo("CANCELED");
        assertThat(job(t, id).path("status").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void continuousTargetingPicksUpDevicesThatMatchLaterAndSnapshotDoesNot() {
        Fleet f = fleet(t, 2);
        Map<String, Object> continuous = commandJob(f);
        continuous.put("targeting", "continuous");
        String c = createJob(t, continuous).path("id").asString();
        String s = createJob(t, commandJob(f)).path("id").asString();
        run(2);
        assertThat(job(t, c).path("progress").path("targeted").asLong()).isEqualTo(2);
        var d = device("late");
        d.put("device_type", f.type());
        String late = createDevice(t.admin(), d).path("id").asString();
        run(61);
        assertThat(job(t, c).path("progress").path("targeted").asLong()).isEqualTo(3);
        assertThat(executions(t, c)).extracting(e -> e.path("device_id").asString()).contains(late);
        assertThat(job(t, c).path("status").asString()).isEqualTo("IN_PROGRESS"); // continuous jobs never complete
        assertThat(job(t, s).path("progress").path("targeted").asLong()).isEqualTo(2);
        assertThat(executions(t, s)).extracting(e -> e.path("device_id").asString()).doesNotContain(late);
    }

    @Test
    void pauseStopsStartsAndResumeGoesOnWithoutABurst() {
        Fleet f = fleet(t, 12);
        Map<String, Object> body = commandJob(f);
        body.put("rollout", Map.of("max_per_minute", 6));
        String id = createJob(t, body).path("id").asString();
        run(15); // 1 + 15 s × 6/min → 2 or 3 started
        api.post(t.admin(), "/api/v1/jobs/" + id + "/pause", null).expect(200);
        long before = startTimes(id).size();
        run(120);
        assertThat(startTimes(id)).hasSize((int) before);
        assertThat(job(t, id).path("status").asString()).isEqualTo("PAUSED");
        api.post(t.admin(), "/api/v1/jobs/" + id + "/resume", null).expect(200);
        run(1);
        assertThat(startTimes(id)).hasSize((int) before + 1); // one at once, not the two minutes missed
        run(20);
        assertThat(startTimes(id).size()).isLessThanOrEqualTo((int) before + 3);
    }

    @Test
    void serverSideOperationsApplyToEachDeviceAndFailuresAreRecordedPerDevice() {
        Fleet f = fleet(t, 3);
        api.post(t.admin(), "/api/v1/devices/" + f.ids().get(2) + "/decommission", null).expect(200);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("target", Map.of("query", typeQuery(f)));
        Map<String, Object> patch = new HashMap<>();
        patch.put("region", "eu-west");
        body.put("operation", Map.of("type", "metadata", "patch", patch));
        String id = createJob(t, body).path("id").asString();
        run(2);
        JsonNode j = job(t, id);
        assertThat(j.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(count(j, "SUCCEEDED")).isEqualTo(2);
        assertThat(count(j, "FAILED")).isEqualTo(1);
        JsonNode failed = executions(t, id).stream().filter(e -> e.path("status").asString().equals("FAILED"))
                .findFirst().orElseThrow();
        assertThat(failed.path("device_id").asString()).isEqualTo(f.ids().get(2));
        assertThat(failed.path("details").path("code").asString()).isEqualTo("CONFLICT");
        assertThat(api.get(t.admin(), "/api/v1/devices/" + f.ids().getFirst()).expect(200)
                .path("metadata").path("region").asString()).isEqualTo("eu-west");

        String suspend = createJob(t, Map.of("target", Map.of("query", typeQuery(f)),
                "operation", Map.of("type", "suspend"))).path("id").asString();
        run(2);
        assertThat(api.get(t.admin(), "/api/v1/devices/" + f.ids().get(1)).expect(200).path("status").asString())
                .isEqualTo("suspended");
        assertThat(count(job(t, suspend), "SUCCEEDED")).isEqualTo(2);

        String shadow = createJob(t, Map.of("target", Map.of("query", typeQuery(f) + " AND status = \"suspended\""),
                "operation", Map.of("type", "shadow", "desired", Map.of("led", "on")))).path("id").asString();
        run(2);
        assertThat(count(job(t, shadow), "SUCCEEDED")).isEqualTo(2);
        assertThat(api.get(t.admin(), "/api/v1/devices/" + f.ids().getFirst() + "/shadow").expect(200)
                .path("state").path("desired").path("led").asString()).isEqualTo("on");
    }

    @Test
    void anotherNodeTakesOverAfterTheLeaseExpiresWithoutLosingOrRepeatingAnExecution() {
        Fleet f = fleet(t, 30);
        Map<String, Object> body = commandJob(f);
        body.put("rollout", Map.of("max_per_minute", 20));
        String id = createJob(t, body).path("id").asString();
        run(40); // node A starts some, then "dies": it is never ticked again
        int byA = startTimes(id).size();
        assertThat(byA).isBetween(10, 20);
        JobEngine b = engine(clock, "node-b-" + UUID.randomUUID());
        assertThat(b.tick().jobs()).isZero(); // A's lease is still live
        clock.advance(Duration.ofSeconds(31));
        run(b, 120);
        // A wakes up and tries to work the job it no longer holds: the fence stops it
        engine.step(tenantId, UUID.fromString(id), System.nanoTime() + 1_000_000_000L);
        List<JsonNode> all = executions(t, id);
        assertThat(all).hasSize(30);
        assertThat(all).allMatch(e -> e.path("status").asString().equals("IN_PROGRESS"));
        for (String device : f.ids()) {
            assertThat(api.get(t.admin(), "/api/v1/devices/" + device + "/commands").expect(200).path("items")
                    .size()).as(device).isEqualTo(1);
        }
    }

    @Test
    void aStepOutOfTimeWithWorkLeftAsksForTheNextStepAtOnceButNotWhenTheRolloutMakesItWait() {
        Fleet f = fleet(t, 5);
        JobProperties pagesOfTwo = new JobProperties(props.tickInterval(), props.leaseTtl(), 2, 2,
                props.continuousInterval(), props.maxJobsPerTick(), false);
        JobEngine node = engine(clock, "node-s-" + UUID.randomUUID(), pagesOfTwo);
        UUID unlimited = UUID.fromString(createJob(t, commandJob(f)).path("id").asString());
        assertThat(jobRepository.lease(tenantId, unlimited, node.node(), clock.millis(), clock.millis() + 30_000))
                .isTrue();

        assertThat(node.step(tenantId, unlimited, System.nanoTime())).as("no time: targeting is left").isTrue();
        assertThat(executions(t, unlimited.toString())).isEmpty();
        assertThat(node.step(tenantId, unlimited, System.nanoTime() + 10_000_000_000L)).as("all done").isFalse();
        assertThat(executions(t, unlimited.toString()))
                .hasSize(5).allMatch(e -> e.path("status").asString().equals("IN_PROGRESS"));
        assertThat(node.step(tenantId, unlimited, System.nanoTime())).as("no time, but nothing left either").isFalse();

        Map<String, Object> body = commandJob(f);
        body.put("rollout", Map.of("max_per_minute", 2));
        UUID limited = UUID.fromString(createJob(t, body).path("id").asString());
        assertThat(jobRepository.lease(tenantId, limited, node.node(), clock.millis(), clock.millis() + 30_000))
                .isTrue();
        assertThat(node.step(tenantId, limited, System.nanoTime() + 10_000_000_000L))
                .as("the rest waits for the rate, not for time").isFalse();
        assertThat(executions(t, limited.toString())).extracting(e -> e.path("status").asString())
                .as("2 a minute, spread evenly: one now, the next 30 s later")
                .containsExactlyInAnyOrder("IN_PROGRESS", "QUEUED", "QUEUED", "QUEUED", "QUEUED");
        assertThat(node.tick().more()).isFalse();
    }

    private void report(JsonNode execution, String status) {
        commandService.report(tenantId, UUID.fromString(execution.path("device_id").asString()),
                UUID.fromString(execution.path("command_id").asString()), status, null);
    }

    @Test
    void anUpgradeTemplateJobMovesEachDeviceToTheNewTemplateVersion() {
        Map<String, Object> v1 = new LinkedHashMap<>(Map.of("name", "meter", "device_type", "meter",
                "sensors", List.of(Map.of("key", "energy", "data_type", "number"))));
        String tid = api.post(t.admin(), "/api/v1/templates", v1).expect(201).path("id").asString();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(api.post(t.admin(), "/api/v1/devices", Map.of("name", "m" + i, "template_id", tid)).expect(201)
                    .path("id").asString());
        }
        String plain = api.post(t.admin(), "/api/v1/devices", Map.of("name", "plain", "device_type", "meter"))
                .expect(201).path("id").asString();
        Map<String, Object> v2 = new LinkedHashMap<>(v1);
        v2.put("sensors", List.of(Map.of("key", "energy", "data_type", "number"),
                Map.of("key", "voltage", "data_type", "number")));
        api.call("PUT", "/api/v1/templates/" + tid).token(t.admin()).body(v2).send().expect(200);

        api.post(t.admin(), "/api/v1/jobs", Map.of("target", Map.of("query", "type = \"meter\""),
                "operation", Map.of("type", "upgrade_template", "template_version", 0)))
                .expectProblem(400, "VALIDATION_FAILED");
        String id = createJob(t, Map.of("target", Map.of("query", "type = \"meter\""),
                "operation", Map.of("type", "upgrade_template"))).path("id").asString();
        run(2);
        JsonNode j = job(t, id);
        assertThat(j.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(count(j, "SUCCEEDED")).isEqualTo(3);
        assertThat(count(j, "FAILED")).isEqualTo(1);
        for (String d : ids) {
            assertThat(api.get(t.admin(), "/api/v1/devices/" + d).expect(200).path("template_version").asInt())
                    .isEqualTo(2);
            assertThat(api.get(t.admin(), "/api/v1/devices/" + d + "/sensors").expect(200).path("items"))
                    .hasSize(2);
        }
        JsonNode failed = executions(t, id).stream().filter(e -> e.path("status").asString().equals("FAILED"))
                .findFirst().orElseThrow();
        assertThat(failed.path("device_id").asString()).isEqualTo(plain);
    }
}
