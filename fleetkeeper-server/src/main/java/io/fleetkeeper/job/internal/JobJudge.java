package io.fleetkeeper.job.internal;

import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.JobStatus;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.job.NewJob.AbortCriterion;
import io.fleetkeeper.job.internal.JobRepository.Row;
import io.fleetkeeper.tenancy.Caller;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Decides, once per step, what follows for a job: a faster exponential rate, an
 * abort, completion, and for a canceled or aborted job the cleanup of its open executions; a job with nothing
 * left to do is retired (the runner stops looking at it). Runs inside the step's fenced transaction.
 */
@Component
public class JobJudge {

    private static final int CLEANUP_BATCH = 5000;
    private static final List<JobStatus> RUNNING = List.of(JobStatus.IN_PROGRESS, JobStatus.PAUSED);

    private final JobRepository jobs;
    private final ExecutionRepository executions;
    private final CommandService commands;
    private final AuditService audit;
    private final org.springframework.context.ApplicationEventPublisher publisher;

    JobJudge(JobRepository jobs, ExecutionRepository executions, CommandService commands, AuditService audit,
            org.springframework.context.ApplicationEventPublisher publisher) {
        this.publisher = publisher;
        this.jobs = jobs;
        this.executions = executions;
        this.commands = commands;
        this.audit = audit;
    }

    /**
     * Counting executions per state reads the whole job's index, so it is done only for the rules that need
     * the counts (abort criteria, a ramp on successes); the rest are index probes.
     */
    public void judge(Row job, NewJob spec, long now) {
        boolean queued = executions.any(job.tenantId(), job.id(), ExecutionStatus.QUEUED);
        boolean running = executions.any(job.tenantId(), job.id(), ExecutionStatus.IN_PROGRESS);
        if (!job.status().terminal()) {
            Map<ExecutionStatus, Long> counts = needsCounts(spec) ? executions.counts(job.tenantId(), job.id()) : null;
            ramp(job, spec, counts, now);
            String reason = counts == null ? null : abortReason(spec, counts);
            if (reason != null && end(job, JobStatus.ABORTED, reason, now)) {
                return; // cleaned up from the next step on
            }
            if (!job.continuous() && job.targetingDone() && !queued && !running) {
                end(job, JobStatus.COMPLETED, null, now);
                jobs.retire(job.tenantId(), job.id(), now);
            }
            return;
        }
        if (queued) {
            executions.cancelQueued(job.tenantId(), job.id(), "{\"detail\":\"the job is " + job.status().name()
                    .toLowerCase(Locale.ROOT) + "\"}", now, CLEANUP_BATCH);
            return;
        }
        if (job.forceCancel() && running) {
            Map<java.util.UUID, java.util.UUID> ended = executions.cancelInProgress(job.tenantId(), job.id(),
                    "{\"detail\":\"the job was canceled with force\"}", now, CLEANUP_BATCH);
            Map<java.util.UUID, java.util.UUID> open = new java.util.HashMap<>();
            ended.forEach((device, command) -> {
                if (command != null) {
                    open.put(device, command);
                }
            });
            commands.cancelAllForJob(job.tenantId(), job.id(), open);
            return;
        }
        if (!running) {
            jobs.retire(job.tenantId(), job.id(), now);
        }
    }

    private static boolean needsCounts(NewJob spec) {
        NewJob.Rollout r = spec.rollout();
        return !spec.abort().isEmpty() || r != null && r.exponential() != null
                && r.exponential().increaseEvery().succeeded() != null;
    }

    /** The job's group or query can no longer be evaluated: it ends ABORTED with the reason. */
    public void targetLost(Row job, String why, long now) {
        end(job, JobStatus.ABORTED, "the target can no longer be evaluated: " + why, now);
    }

    private boolean end(Row job, JobStatus to, String reason, long now) {
        if (!jobs.changeStatus(job.tenantId(), job.id(), RUNNING, to, reason, null, false, false, now)) {
            return false;
        }
        if (to == JobStatus.ABORTED) {
            audit.recordDetails(job.tenantId(), Caller.system(job.tenantId()), "job.abort", "job",
                    job.id().toString(), Map.of("reason", reason));
        }
        publisher.publishEvent(new io.fleetkeeper.job.JobStatusChanged(job.tenantId(), job.id(), job.status(), to,
                reason, "system", java.time.Instant.ofEpochMilli(now)));
        return true;
    }

    /** Raises an exponential rollout's rate once the last raise is {@code increase_every} starts or successes old. */
    private void ramp(Row job, NewJob spec, Map<ExecutionStatus, Long> counts, long now) {
        NewJob.Rollout r = spec.rollout();
        if (r == null || r.exponential() == null || job.ratePerMinute() == null) {
            return;
        }
        Long max = r.maxPerMinute();
        if (max != null && job.ratePerMinute() >= max) {
            return;
        }
        NewJob.IncreaseEvery every = r.exponential().increaseEvery();
        long progress = every.notified() != null ? job.startedTotal() : counts.get(ExecutionStatus.SUCCEEDED);
        // counts is non-null whenever the ramp counts successes (needsCounts)
        long step = every.notified() != null ? every.notified() : every.succeeded();
        if (progress - job.rampMark() >= step) {
            long rate = RatePlan.raise(job.ratePerMinute(), r.exponential().incrementFactor(), max);
            jobs.saveRollout(job.tenantId(), job.id(), 0, rate, now, 0, job.recentStarts(), progress, now);
        }
    }

    /** The first abort criterion that holds, worded; null when none does. */
    static String abortReason(NewJob spec, Map<ExecutionStatus, Long> counts) {
        long failed = counts.get(ExecutionStatus.FAILED);
        long rejected = counts.get(ExecutionStatus.REJECTED);
        long timedOut = counts.get(ExecutionStatus.TIMED_OUT);
        long executed = failed + rejected + timedOut + counts.get(ExecutionStatus.SUCCEEDED);
        for (AbortCriterion a : spec.abort()) {
            long bad = switch (a.failureType()) {
                case "FAILED" -> failed;
                case "REJECTED" -> rejected;
                case "TIMED_OUT" -> timedOut;
                default -> failed + rejected + timedOut;
            };
            if (executed >= a.minExecuted() && bad * 100.0 >= a.thresholdPercent() * executed && bad > 0) {
                return String.format(Locale.ROOT, "abort criterion %s: %d of %d executed (%.1f %%) reached %s %%",
                        a.failureType(), bad, executed, bad * 100.0 / executed, a.thresholdPercent());
            }
        }
        return null;
    }
}
