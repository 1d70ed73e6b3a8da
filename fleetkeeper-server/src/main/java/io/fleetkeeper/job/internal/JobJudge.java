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

    private final JobSpecs specs;

    JobJudge(JobRepository jobs, ExecutionRepository executions, CommandService commands, AuditService audit,
            org.springframework.context.ApplicationEventPublisher publisher, JobSpecs specs) {
        this.specs = specs;
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
            if (reason == null && waved(spec)) {
                reason = waves(job, spec.rollout().waves(), counts, now);
            }
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
            io.fleetkeeper.job.JobOperation external = specs.external(spec.operation().type());
            if (external != null) {
                ended.keySet().forEach(d -> external.ended(job.tenantId(), job.id(), d, ExecutionStatus.CANCELED,
                        false, now));
            }
            return;
        }
        if (!running) {
            jobs.retire(job.tenantId(), job.id(), now);
        }
    }

    private static boolean waved(NewJob spec) {
        return spec.rollout() != null && spec.rollout().waves() != null && !spec.rollout().waves().isEmpty();
    }

    /**
     * A staged rollout's step: the abort reason when the current wave's failures reached its error threshold;
     * otherwise records the wave passing its success threshold, and moves to the next wave once it soaked.
     */
    private String waves(Row job, List<NewJob.Wave> waves, Map<ExecutionStatus, Long> counts, long now) {
        JobRepository.WaveState ws = jobs.wave(job.tenantId(), job.id());
        if (ws.wave() >= waves.size()) {
            return null;
        }
        NewJob.Wave w = waves.get(ws.wave());
        boolean percents = waves.stream().limit(ws.wave() + 1L).anyMatch(x -> x.percent() != null);
        if (percents && !job.targetingDone()) {
            return null;
        }
        long cap = JobSpecs.waveCap(waves, ws.wave(), job.targeted());
        long started = counts.values().stream().mapToLong(Long::longValue).sum() - counts.get(ExecutionStatus.QUEUED);
        long base = Math.max(0, Math.min(cap, started) - counts.get(ExecutionStatus.CANCELED));
        long bad = counts.get(ExecutionStatus.FAILED) + counts.get(ExecutionStatus.REJECTED)
                + counts.get(ExecutionStatus.TIMED_OUT);
        if (w.errorThreshold() != null && bad > 0 && bad * 100.0 >= w.errorThreshold() * Math.max(1, base)) {
            return String.format(Locale.ROOT, "wave %d: %d of %d devices failed, reaching the error threshold of"
                    + " %s %%", ws.wave() + 1, bad, base, w.errorThreshold());
        }
        double success = w.successThreshold() == null ? 100 : w.successThreshold();
        if (ws.passedAt() == null) {
            if (started >= cap && counts.get(ExecutionStatus.SUCCEEDED) * 100.0 >= success * base) {
                jobs.saveWave(job.tenantId(), job.id(), ws.wave(), now, now);
            }
        } else if (now >= ws.passedAt() + (w.soakSeconds() == null ? 0 : w.soakSeconds()) * 1000) {
            jobs.saveWave(job.tenantId(), job.id(), ws.wave() + 1, null, now);
        }
        return null;
    }

    private static boolean needsCounts(NewJob spec) {
        NewJob.Rollout r = spec.rollout();
        return waved(spec) || !spec.abort().isEmpty() || r != null && r.exponential() != null
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
