package io.fleetkeeper.job;

import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.job.internal.ExecutionRepository;
import io.fleetkeeper.job.internal.JobEngine;
import io.fleetkeeper.job.internal.JobJudge;
import io.fleetkeeper.job.internal.JobRepository;
import io.fleetkeeper.job.internal.JobSpecs;
import io.fleetkeeper.job.internal.Operations;
import io.fleetkeeper.job.internal.Outcomes;
import io.fleetkeeper.job.internal.Targets;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.TestTenant;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;

/**
 * Jobs tests drive the engine themselves (the suite's context runs no job runner): an engine is built from the
 * context's beans with the clock and node name a test chooses, so time moves by hand and two engines can play
 * two nodes.
 */
public abstract class JobFixture extends ApiTest {

    @Autowired protected JobRepository jobRepository;
    @Autowired protected ExecutionRepository executionRepository;
    @Autowired protected JobSpecs specs;
    @Autowired protected Targets targets;
    @Autowired protected Operations operations;
    @Autowired protected Outcomes outcomes;
    @Autowired protected JobJudge judge;
    @Autowired protected DeviceService deviceService;
    @Autowired protected CommandService commandService;
    @Autowired protected JobProperties props;
    @Autowired protected PlatformTransactionManager txManager;

    protected JobEngine engine(Clock clock, String node) {
        return engine(clock, node, props);
    }

    protected JobEngine engine(Clock clock, String node, JobProperties properties) {
        return new JobEngine(jobRepository, executionRepository, specs, targets, operations, outcomes, judge,
                deviceService, commandService, properties, txManager, clock, node);
    }

    /**
     * Steps {@code engine} on this job only (taking its lease as {@code tick()} would; the suite's database holds
     * other tests' jobs) until {@code done} holds for the job, within 15 s.
     */
    protected JsonNode stepUntil(JobEngine engine, Clock clock, TestTenant t, String jobId, Predicate<JsonNode> done,
            String what) {
        UUID tenantId = UUID.fromString(t.id());
        UUID id = UUID.fromString(jobId);
        return Await.until(Duration.ofSeconds(15), what, () -> {
            long now = clock.millis();
            if (jobRepository.lease(tenantId, id, engine.node(), now, now + props.leaseTtl().toMillis())) {
                engine.step(tenantId, id, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
            return job(t, jobId);
        }, done);
    }

    /** {@code n} devices of a fresh type; returns the type and the ids in creation order. */
    record Fleet(String type, List<String> ids) {
    }

    Fleet fleet(TestTenant t, int n) {
        String type = randomName("type-");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var d = device("d" + i);
            d.put("device_type", type);
            ids.add(createDevice(t.admin(), d).path("id").asString());
        }
        return new Fleet(type, ids);
    }

    JsonNode createJob(TestTenant t, Map<String, Object> body) {
        return api.post(t.admin(), "/api/v1/jobs", body).expect(201);
    }

    protected JsonNode job(TestTenant t, String id) {
        return api.get(t.admin(), "/api/v1/jobs/" + id).expect(200);
    }

    long count(JsonNode job, String status) {
        return job.path("progress").path("counts").path(status).asLong();
    }

    List<JsonNode> executions(TestTenant t, String jobId) {
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(t.admin(), "/api/v1/jobs/" + jobId + "/executions?limit=200"
                    + (cursor == null ? "" : "&cursor=" + cursor)).expect(200);
            page.path("items").forEach(all::add);
            cursor = page.path("next_cursor").isNull() || page.path("next_cursor").isMissingNode() ? null
                    : page.path("next_cursor").asString();
        } while (cursor != null);
        return all;
    }

    static String typeQuery(Fleet f) {
        return "type = \"" + f.type() + "\"";
    }
}
