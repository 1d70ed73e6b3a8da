package io.fleetkeeper.job.internal;

import io.fleetkeeper.command.CommandFinished;
import io.fleetkeeper.command.CommandStatus;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.NewJob;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ends executions: with the outcome, or back in the queue when a retry criterion covers the failure and
 * retries remain. A job's command reaching its final state ends its execution in the same transaction.
 */
@Component
public class Outcomes {

    /** What happened to an execution that was asked to end. */
    public enum Ended { FINISHED, RETRIED, NOT_IN_PROGRESS }

    private final ExecutionRepository executions;
    private final JobRepository jobs;
    private final JobSpecs specs;
    private final JsonMapper json;
    private final Clock clock;
    private final MeterRegistry metrics;

    Outcomes(ExecutionRepository executions, JobRepository jobs, JobSpecs specs, JsonMapper json, Clock clock,
            MeterRegistry metrics) {
        this.metrics = metrics;
        this.executions = executions;
        this.jobs = jobs;
        this.specs = specs;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Ends an IN_PROGRESS execution (only while it tracks {@code commandId}, when given) with {@code outcome},
     * or queues it again for a FAILED or TIMED_OUT outcome that a retry criterion still covers.
     */
    public Ended end(UUID tenantId, UUID jobId, NewJob spec, UUID deviceId, UUID commandId, ExecutionStatus outcome,
            Map<String, ?> details, long now) {
        String text = details == null ? null : json.writeValueAsString(details);
        int retries = JobSpecs.maxRetries(spec, outcome);
        if (retries > 0 && executions.retry(tenantId, jobId, deviceId, commandId, retries, text, now)) {
            return Ended.RETRIED;
        }
        if (!executions.finish(tenantId, jobId, deviceId, commandId, outcome, text, now)) {
            return Ended.NOT_IN_PROGRESS;
        }
        count(outcome.name(), 1);
        return Ended.FINISHED;
    }

    /** {@code n} executions were started on this node (a metric). */
    void started(int n) {
        count("STARTED", n);
    }

    /** Executions started and ended on this node, by status (counted in the transaction, before its commit). */
    private void count(String status, int n) {
        metrics.counter("fleetkeeper.jobs.executions", "status", status).increment(n);
    }

    /** A job's command is final: its execution follows (runs inside the command's transaction). */
    @EventListener
    public void onCommandFinished(CommandFinished e) {
        var job = jobs.find(e.tenantId(), e.jobId()).orElse(null);
        if (job == null) {
            return;
        }
        ExecutionStatus outcome = switch (e.status()) {
            case SUCCEEDED -> ExecutionStatus.SUCCEEDED;
            case FAILED -> ExecutionStatus.FAILED;
            case REJECTED -> ExecutionStatus.REJECTED;
            case CANCELED -> ExecutionStatus.CANCELED;
            default -> ExecutionStatus.TIMED_OUT; // TIMED_OUT, EXPIRED
        };
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("command_status", e.status().name());
        if (e.result() != null) {
            details.put("result", json.readTree(e.result()));
        }
        if (e.status() == CommandStatus.EXPIRED) {
            details.put("detail", "the device did not take the command within the execution time-out");
        }
        end(e.tenantId(), e.jobId(), specs.read(job.id(), job.spec()), e.deviceId(), e.commandId(), outcome, details,
                clock.millis());
    }
}
