package io.fleetkeeper.job.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.JobOperation;
import io.fleetkeeper.job.JobProperties;
import io.fleetkeeper.job.JobStatus;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.job.internal.ExecutionRepository.Claimed;
import io.fleetkeeper.job.internal.JobRepository.Row;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs the jobs this node holds the lease of, one step per tick: target (page the matching devices into
 * QUEUED executions), time out overdue executions, dispatch within the rollout rate, then judge the job
 * ({@link JobJudge}). Every transaction starts with the lease fence, so a node that lost the lease commits
 * nothing. Time comes from the injected clock; work per step is bounded by a real-time budget.
 */
public class JobEngine {

    /** Executions targeted after which the table's statistics are refreshed (and again at a pass's end). */
    private static final long ANALYZE_AT = 20_000;

    private final JobRepository jobs;
    private final ExecutionRepository executions;
    private final JobSpecs specs;
    private final Targets targets;
    private final Operations operations;
    private final Outcomes outcomes;
    private final JobJudge judge;
    private final DeviceService devices;
    private final CommandService commands;
    private final JobProperties props;
    private final Clock clock;
    private final String node;
    private final TransactionTemplate tx;

    public JobEngine(JobRepository jobs, ExecutionRepository executions, JobSpecs specs, Targets targets,
            Operations operations, Outcomes outcomes, JobJudge judge, DeviceService devices, CommandService commands,
            JobProperties props, PlatformTransactionManager txManager, Clock clock, String node) {
        this.jobs = jobs;
        this.executions = executions;
        this.specs = specs;
        this.targets = targets;
        this.operations = operations;
        this.outcomes = outcomes;
        this.judge = judge;
        this.devices = devices;
        this.commands = commands;
        this.props = props;
        this.clock = clock;
        this.node = node;
        this.tx = new TransactionTemplate(txManager);
    }

    public String node() {
        return node;
    }

    /**
     * What one tick did: how many jobs it stepped, and whether any of them ran out of time with work it could
     * do at once (targeting pages, overdue executions, starts the rollout allows), so the next tick should not
     * wait for the tick interval.
     */
    public record Tick(int jobs, boolean more) {
    }

    /** One tick: every runnable job (up to the per-tick maximum) whose lease this node gets. */
    public Tick tick() {
        List<Row> runnable = jobs.runnable(node, clock.millis(), props.maxJobsPerTick());
        long budget = Math.max(100_000_000L, props.tickInterval().toNanos() / Math.max(1, runnable.size()));
        int worked = 0;
        boolean more = false;
        for (Row r : runnable) {
            long now = clock.millis();
            if (jobs.lease(r.tenantId(), r.id(), node, now, now + props.leaseTtl().toMillis())) {
                more |= step(r.tenantId(), r.id(), System.nanoTime() + budget);
                worked++;
            }
        }
        return new Tick(worked, more);
    }

    /**
     * One step of one job; the caller holds its lease. True when the step ended for want of time while work
     * that needs no waiting remained (the runner then steps again at once instead of after the tick interval).
     */
    public boolean step(UUID tenantId, UUID jobId, long deadlineNanos) {
        Row row = jobs.find(tenantId, jobId).orElse(null);
        if (row == null) {
            return false;
        }
        NewJob spec = specs.read(row.id(), row.spec());
        // Targeting gets at most half of the budget while there is dispatching to do, so a large job starts
        // dispatching while it is still being targeted; whatever dispatch leaves goes back to targeting.
        long half = System.nanoTime() + (deadlineNanos - System.nanoTime()) / 2;
        boolean moreTargets = targetWhile(row, spec, half,
                row.nextScanAt() != null && row.nextScanAt() <= clock.millis());
        boolean more = false;
        while (!more && Boolean.TRUE.equals(tx.execute(s -> timeOut(row, spec)))) {
            more = System.nanoTime() >= deadlineNanos; // overdue executions remain
        }
        while (!more) {
            Integer started = tx.execute(s -> dispatch(row, spec));
            if (started == null || started <= 0) {
                break;
            }
            more = System.nanoTime() >= deadlineNanos; // the rollout may allow more at once
        }
        if (moreTargets) {
            moreTargets = targetWhile(row, spec, deadlineNanos, true);
        }
        tx.executeWithoutResult(s -> fenced(row).ifPresent(cur -> judge.judge(cur, spec, clock.millis())));
        return more || moreTargets;
    }

    /** Targeting pages, while {@code pending}, until the pass ends or the time is up; true when pages remain. */
    private boolean targetWhile(Row row, NewJob spec, long untilNanos, boolean pending) {
        while (pending && System.nanoTime() < untilNanos) {
            pending = Boolean.TRUE.equals(tx.execute(s -> targetPage(row, spec)));
        }
        return pending;
    }

    private java.util.Optional<Row> fenced(Row row) {
        return jobs.fence(row.tenantId(), row.id(), node, clock.millis());
    }

    /** One targeting page; true when more pages of this pass remain. */
    private boolean targetPage(Row job, NewJob spec) {
        long now = clock.millis();
        Row cur = fenced(job).orElse(null);
        if (cur == null || cur.nextScanAt() == null || cur.nextScanAt() > now) {
            return false;
        }
        if (cur.status().terminal()) {
            jobs.saveTargeting(cur.tenantId(), cur.id(), 0, null, true, null, now);
            return false;
        }
        DeviceCondition condition;
        try {
            condition = targets.condition(cur.tenantId(), spec.target());
        } catch (ApiException e) { // the group was deleted, or the query no longer compiles
            jobs.saveTargeting(cur.tenantId(), cur.id(), 0, null, true, null, now);
            judge.targetLost(cur, e.getMessage(), now);
            return false;
        }
        UUID after = cur.targetCursor() == null ? null : UUID.fromString(cur.targetCursor());
        // A continuous job's rescan meets devices it already has: the insert skips them (one execution per
        // device per job, ever) and counts only the new ones.
        ExecutionRepository.Targeted page = executions.targetPage(cur.tenantId(), cur.id(),
                devices.matchingIdsQuery(cur.tenantId(), condition, after,
                        cur.continuous() ? null : Instant.ofEpochMilli(cur.createdAt()), props.targetingPageSize()),
                now);
        boolean passDone = page.matched() < props.targetingPageSize();
        long before = cur.targeted();
        long after2 = before + page.added();
        if (after2 >= ANALYZE_AT && (before < ANALYZE_AT || passDone && page.added() > 0)) {
            executions.analyze(); // the first pages, and the end of a pass, change the table's shape most
        }
        if (passDone) {
            jobs.saveTargeting(cur.tenantId(), cur.id(), page.added(), null, true,
                    cur.continuous() ? now + props.continuousInterval().toMillis() : null, now);
        } else {
            jobs.saveTargeting(cur.tenantId(), cur.id(), page.added(), page.last().toString(), cur.targetingDone(),
                    cur.nextScanAt(), now);
        }
        return !passDone;
    }

    /** Times out one batch of overdue executions (and cancels their commands); true when more may remain. */
    private boolean timeOut(Row job, NewJob spec) {
        long now = clock.millis();
        if (fenced(job).isEmpty()) {
            return false;
        }
        List<ExecutionRepository.Row> overdue = executions.overdue(job.tenantId(), job.id(), now, props.batchSize());
        for (ExecutionRepository.Row e : overdue) {
            Outcomes.Ended ended = outcomes.end(job.tenantId(), job.id(), spec, e.deviceId(), e.commandId(),
                    ExecutionStatus.TIMED_OUT, Map.of("detail", "no outcome within " + spec.timeoutSeconds() + " s"),
                    now);
            if (ended != Outcomes.Ended.NOT_IN_PROGRESS && e.commandId() != null) {
                commands.cancelForJob(job.tenantId(), e.deviceId(), e.commandId(), "job:" + job.id());
            }
            JobOperation external = specs.external(spec.operation().type());
            if (ended != Outcomes.Ended.NOT_IN_PROGRESS && external != null) {
                external.ended(job.tenantId(), job.id(), e.deviceId(), ExecutionStatus.TIMED_OUT,
                        ended == Outcomes.Ended.RETRIED, now);
            }
        }
        return overdue.size() == props.batchSize();
    }

    /** How many more executions the current wave lets start (0 while a percent wave waits for targeting). */
    private long waveRoom(Row job, List<NewJob.Wave> waves) {
        JobRepository.WaveState ws = jobs.wave(job.tenantId(), job.id());
        if (ws.wave() >= waves.size()) {
            return Long.MAX_VALUE;
        }
        boolean percents = waves.stream().limit(ws.wave() + 1L).anyMatch(w -> w.percent() != null);
        if (percents && !job.targetingDone()) {
            return 0;
        }
        Map<ExecutionStatus, Long> counts = executions.counts(job.tenantId(), job.id());
        long started = counts.values().stream().mapToLong(Long::longValue).sum() - counts.get(ExecutionStatus.QUEUED);
        return JobSpecs.waveCap(waves, ws.wave(), job.targeted()) - started;
    }

    /** Starts one batch within the rollout rate; returns how many started (-1: not this node's, or not running). */
    private int dispatch(Row job, NewJob spec) {
        long now = clock.millis();
        Row cur = fenced(job).orElse(null);
        if (cur == null || cur.status() != JobStatus.IN_PROGRESS) {
            return -1;
        }
        long scheduleStart = cur.scheduleStart() == null ? now : cur.scheduleStart(); // null: a new schedule
        long scheduleCount = cur.scheduleStart() == null ? 0 : cur.scheduleCount();
        if (spec.startAt() != null && spec.startAt().toEpochMilli() > now) {
            return 0; // a scheduled start
        }
        NewJob.Rollout rollout = spec.rollout();
        if (rollout != null && rollout.maintenanceWindow() != null
                && !rollout.maintenanceWindow().open(Instant.ofEpochMilli(now))) {
            return 0;
        }
        int allowed = RatePlan.allowance(cur.ratePerMinute(), scheduleStart, scheduleCount, cur.recentStarts(), now,
                props.batchSize());
        if (allowed == 0) {
            return 0;
        }
        if (rollout != null && rollout.waves() != null && !rollout.waves().isEmpty()) {
            allowed = (int) Math.min(allowed, waveRoom(cur, rollout.waves()));
            if (allowed <= 0) {
                return 0;
            }
        }
        List<Claimed> claimed = executions.claim(cur.tenantId(), cur.id(), now, now + spec.timeoutSeconds() * 1000,
                allowed);
        if (claimed.isEmpty()) {
            return 0;
        }
        operations.apply(cur.tenantId(), cur.id(), spec, claimed.stream().map(Claimed::deviceId).toList(), now);
        int n = claimed.size();
        outcomes.started(n);
        jobs.saveRollout(cur.tenantId(), cur.id(), n, cur.ratePerMinute(), scheduleStart, scheduleCount + n, RatePlan.record(cur.recentStarts(), now, n), cur.rampMark(), now);
        return n;
    }
}
