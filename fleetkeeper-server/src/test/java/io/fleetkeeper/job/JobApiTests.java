package io.fleetkeeper.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.job.internal.JobEngine;
import io.fleetkeeper.testing.TestTenant;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The jobs API over HTTP: validation, idempotency, status changes, roles, isolation. */
class JobApiTests extends JobFixture {

    private TestTenant t;
    private Fleet fleet;

    @BeforeEach
    void setUp() {
        t = newTenant();
        fleet = fleet(t, 3);
    }

    private Map<String, Object> job() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "reboot");
        body.put("target", Map.of("query", typeQuery(fleet)));
        body.put("operation", Map.of("type", "command", "name", "reboot"));
        return body;
    }

    @Test
    void aNewJobIsInProgressWithItsSpecAndEmptyProgress() {
        Map<String, Object> body = job();
        body.put("rollout", Map.of("max_per_minute", 100));
        var reply = api.post(t.admin(), "/api/v1/jobs", body);
        JsonNode j = reply.expect(201);
        assertThat(reply.header("Location")).isEqualTo("/api/v1/jobs/" + j.path("id").asString());
        assertThat(reply.etag()).isEqualTo("\"1\"");
        assertThat(j.path("status").asString()).isEqualTo("IN_PROGRESS");
        assertThat(j.path("targeting").asString()).isEqualTo("snapshot");
        assertThat(j.path("timeout_seconds").asLong()).isEqualTo(3600);
        assertThat(j.path("operation").path("name").asString()).isEqualTo("reboot");
        assertThat(j.path("progress").path("targeted").asLong()).isZero();
        assertThat(j.path("progress").path("counts").path("QUEUED").asLong()).isZero();
        assertThat(j.path("progress").path("current_rate_per_minute").asLong()).isEqualTo(100);
        assertThat(api.get(t.admin(), "/api/v1/jobs").expect(200).path("items").get(0).path("id").asString())
                .isEqualTo(j.path("id").asString());
    }

    @Test
    void theEngineTargetsAndDispatchesAndExecutionsAreListedPerJobAndPerDevice() {
        JobEngine engine = engine(Clock.systemUTC(), "api-test-node");
        String id = createJob(t, job()).path("id").asString();
        engine.tick();
        JsonNode j = job(t, id);
        assertThat(j.path("progress").path("targeted").asLong()).isEqualTo(3);
        assertThat(j.path("progress").path("targeting_done").asBoolean()).isTrue();
        assertThat(count(j, "IN_PROGRESS")).isEqualTo(3);
        assertThat(j.path("progress").path("percent_done").asDouble()).isZero();
        List<JsonNode> executions = executions(t, id);
        assertThat(executions).extracting(e -> e.path("device_id").asString())
                .containsExactlyInAnyOrderElementsOf(fleet.ids());
        String device = fleet.ids().getFirst();
        JsonNode one = api.get(t.admin(), "/api/v1/jobs/" + id + "/executions/" + device).expect(200);
        assertThat(one.path("attempt").asInt()).isZero();
        JsonNode command = api.get(t.admin(), "/api/v1/devices/" + device + "/commands/"
                + one.path("command_id").asString()).expect(200);
        assertThat(command.path("job_id").asString()).isEqualTo(id);
        assertThat(api.get(t.admin(), "/api/v1/devices/" + device + "/job-executions").expect(200).path("items")
                .get(0).path("job_id").asString()).isEqualTo(id);
        JsonNode page = api.get(t.admin(), "/api/v1/jobs/" + id + "/executions?status=in_progress&limit=2")
                .expect(200);
        assertThat(page.path("items").size()).isEqualTo(2);
        assertThat(page.path("next_cursor").isNull()).isFalse();
        api.get(t.admin(), "/api/v1/jobs/" + id + "/executions?status=bogus").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void theSameIdempotencyKeyAnswersTheFirstJob() {
        Map<String, Object> body = job();
        body.put("idempotency_key", "op-7");
        String first = api.post(t.admin(), "/api/v1/jobs", body).expect(201).path("id").asString();
        assertThat(api.post(t.admin(), "/api/v1/jobs", body).expect(200).path("id").asString()).isEqualTo(first);
        TestTenant other = newTenant();
        Map<String, Object> elsewhere = job();
        elsewhere.put("target", Map.of("query", "type = \"x\""));
        elsewhere.put("idempotency_key", "op-7");
        assertThat(api.post(other.admin(), "/api/v1/jobs", elsewhere).expect(201).path("id").asString())
                .isNotEqualTo(first);
    }

    @Test
    void invalidJobsAreRefusedWithEveryBadField() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("target", Map.of("query", "type = \"a\"", "group_id", "0196a000-0000-7000-8000-000000000000"));
        body.put("targeting", "sometimes");
        body.put("operation", Map.of("type", "reboot"));
        body.put("rollout", Map.of("max_per_minute", 0));
        body.put("abort", List.of(Map.of("failure_type", "LATE", "min_executed", 0, "threshold_percent", 101)));
        body.put("retries", List.of(Map.of("failure_type", "REJECTED", "max_retries", 11)));
        body.put("timeout_seconds", 0);
        JsonNode p = api.post(t.admin(), "/api/v1/jobs", body).expectProblem(400, "VALIDATION_FAILED");
        assertThat(p.path("errors").valueStream().map(e -> e.path("field").asString()).toList()).contains("target",
                "targeting", "operation.type", "rollout.max_per_minute", "abort[0].failure_type",
                "abort[0].min_executed", "abort[0].threshold_percent", "retries[0].failure_type",
                "retries[0].max_retries", "timeout_seconds");
        assertThat(api.get(t.admin(), "/api/v1/jobs").expect(200).path("items").size()).isZero();

        Map<String, Object> wrongFields = job();
        wrongFields.put("operation", Map.of("type", "suspend", "payload", Map.of("a", 1)));
        api.post(t.admin(), "/api/v1/jobs", wrongFields).expectProblem(400, "VALIDATION_FAILED");
        Map<String, Object> ramp = job();
        ramp.put("rollout", Map.of("max_per_minute", 10, "exponential", Map.of("base_per_minute", 20,
                "increment_factor", 9, "increase_every", Map.of("notified", 1, "succeeded", 1))));
        JsonNode r = api.post(t.admin(), "/api/v1/jobs", ramp).expectProblem(400, "VALIDATION_FAILED");
        assertThat(r.path("errors").valueStream().map(e -> e.path("field").asString()).toList()).containsExactly(
                "rollout.exponential.base_per_minute", "rollout.exponential.increment_factor",
                "rollout.exponential.increase_every");
        Map<String, Object> badQuery = job();
        badQuery.put("target", Map.of("query", "type = "));
        api.post(t.admin(), "/api/v1/jobs", badQuery).expectProblem(400, "INVALID_QUERY");
        Map<String, Object> badCommand = job();
        badCommand.put("operation", Map.of("type", "command", "name", "has space"));
        api.post(t.admin(), "/api/v1/jobs", badCommand).expectProblem(400, "VALIDATION_FAILED");
        Map<String, Object> unknown = job();
        unknown.put("priority", 1);
        api.post(t.admin(), "/api/v1/jobs", unknown).expectProblem(400, "UNKNOWN_FIELD");
    }

    @Test
    void aGroupTargetMustBeTheTenantsOwn() {
        TestTenant other = newTenant();
        String foreign = api.post(other.admin(), "/api/v1/fleet-groups", Map.of("name", "g", "kind", "dynamic",
                "query", "type = \"x\"")).expect(201).path("id").asString();
        Map<String, Object> body = job();
        body.put("target", Map.of("group_id", foreign));
        api.post(t.admin(), "/api/v1/jobs", body).expectProblem(404, "NOT_FOUND");
        String own = api.post(t.admin(), "/api/v1/fleet-groups", Map.of("name", "g", "kind", "dynamic",
                "query", typeQuery(fleet))).expect(201).path("id").asString();
        body.put("target", Map.of("group_id", own));
        String id = createJob(t, body).path("id").asString();
        engine(Clock.systemUTC(), "api-test-node").tick();
        assertThat(job(t, id).path("progress").path("targeted").asLong()).isEqualTo(3);
        body.remove("target");
        JsonNode viaGroup = api.post(t.admin(), "/api/v1/fleet-groups/" + own + "/jobs", body).expect(201);
        assertThat(viaGroup.path("target").path("group_id").asString()).isEqualTo(own);
        api.post(t.admin(), "/api/v1/fleet-groups/" + foreign + "/jobs", body).expectProblem(404, "NOT_FOUND");
        body.put("target", Map.of("query", "type = \"x\""));
        api.post(t.admin(), "/api/v1/fleet-groups/" + own + "/jobs", body).expectProblem(400, "VALIDATION_FAILED");
    }

    @Test
    void pauseResumeAndCancelFollowTheStatesAndIfMatch() {
        String id = createJob(t, job()).path("id").asString();
        String base = "/api/v1/jobs/" + id;
        assertThat(api.post(t.admin(), base + "/pause", null).expect(200).path("status").asString())
                .isEqualTo("PAUSED");
        assertThat(api.post(t.admin(), base + "/pause", null).expect(200).path("version").asLong()).isEqualTo(2);
        api.call("POST", base + "/resume").token(t.admin()).header("If-Match", "\"1\"").send()
                .expectProblem(412, "PRECONDITION_FAILED");
        assertThat(api.call("POST", base + "/resume").token(t.admin()).header("If-Match", "\"2\"").send().expect(200)
                .path("status").asString()).isEqualTo("IN_PROGRESS");
        JsonNode canceled = api.post(t.admin(), base + "/cancel", null).expect(200);
        assertThat(canceled.path("status").asString()).isEqualTo("CANCELED");
        assertThat(canceled.path("finished_at").isNull()).isFalse();
        assertThat(canceled.path("status_reason").asString()).startsWith("canceled by token:");
        JsonNode refused = api.post(t.admin(), base + "/pause", null).expectProblem(409, "INVALID_TRANSITION");
        assertThat(refused.path("job_status").asString()).isEqualTo("CANCELED");
        api.post(t.admin(), base + "/resume", null).expectProblem(409, "INVALID_TRANSITION");
        engine(Clock.systemUTC(), "api-test-node").tick();
        JsonNode after = job(t, id);
        assertThat(after.path("progress").path("targeted").asLong()).isZero(); // canceled before it targeted
    }

    @Test
    void aForcedCancelEndsRunningExecutionsAndTheirCommands() {
        JobEngine engine = engine(Clock.systemUTC(), "api-test-node");
        String id = createJob(t, job()).path("id").asString();
        engine.tick();
        String command = executions(t, id).getFirst().path("command_id").asString();
        api.post(t.admin(), "/api/v1/jobs/" + id + "/cancel?force=true", null).expect(200);
        engine.tick();
        JsonNode j = job(t, id);
        assertThat(count(j, "CANCELED")).isEqualTo(3);
        assertThat(api.get(t.admin(), "/api/v1/devices/" + fleet.ids().getFirst() + "/commands/" + command)
                .expect(200).path("status").asString()).isEqualTo("CANCELED");
    }

    @Test
    void viewersReadAndAnotherTenantsJobIsNotFound() {
        String id = createJob(t, job()).path("id").asString();
        String viewer = token(t, "viewer");
        api.get(viewer, "/api/v1/jobs/" + id).expect(200);
        api.post(viewer, "/api/v1/jobs", job()).expectProblem(403, "FORBIDDEN");
        api.post(viewer, "/api/v1/jobs/" + id + "/cancel", null).expectProblem(403, "FORBIDDEN");
        TestTenant other = newTenant();
        api.get(other.admin(), "/api/v1/jobs/" + id).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/jobs/" + id + "/cancel", null).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/jobs/" + id + "/executions").expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/devices/" + fleet.ids().getFirst() + "/job-executions")
                .expectProblem(404, "NOT_FOUND");
        assertThat(job(t, id).path("status").asString()).isEqualTo("IN_PROGRESS");
    }
}
