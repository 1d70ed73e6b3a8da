package io.fleetkeeper.job;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatusChanged;
import io.fleetkeeper.job.internal.ExecutionRepository;
import io.fleetkeeper.job.internal.JobRepository;
import io.fleetkeeper.job.internal.JobRepository.Row;
import io.fleetkeeper.job.internal.JobSpecs;
import io.fleetkeeper.job.internal.RatePlan;
import io.fleetkeeper.job.internal.Targets;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jobs: create (idempotent per key), read with progress, pause, resume, cancel, and their executions. The
 * running happens in the background ({@code internal/JobEngine}); this service only changes a job's status,
 * each change conditional on the current status (and the {@code If-Match} version when given).
 */
@Service
public class JobService {

    /** A created job, and whether it was created now (false: an earlier one with the same key). */
    public record Created(Job job, boolean created) {
    }

    private static final List<JobStatus> RUNNING = List.of(JobStatus.IN_PROGRESS, JobStatus.PAUSED);

    private final JobRepository jobs;
    private final ExecutionRepository executions;
    private final JobSpecs specs;
    private final Targets targets;
    private final DeviceService devices;
    private final AuditService audit;
    private final JsonMapper json;
    private final Clock clock;
    private final org.springframework.context.ApplicationEventPublisher publisher;
    private final io.fleetkeeper.job.internal.Outcomes outcomes;

    JobService(io.fleetkeeper.job.internal.Outcomes outcomes, JobRepository jobs, ExecutionRepository executions, JobSpecs specs, Targets targets,
            DeviceService devices, AuditService audit, JsonMapper json, Clock clock,
            org.springframework.context.ApplicationEventPublisher publisher) {
        this.outcomes = outcomes;
        this.jobs = jobs;
        this.executions = executions;
        this.specs = specs;
        this.targets = targets;
        this.devices = devices;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.publisher = publisher;
    }

    /** Checks and stores the job; targeting and dispatch start on the next runner tick. */
    @Transactional
    public Created create(Caller caller, NewJob in) {
        return create(caller, in, false);
    }

    /**
     * For another feature: as {@link #create(Caller, NewJob)}, and the operation may be that feature's own
     * ({@link JobOperation}).
     */
    @Transactional
    public Created createFor(Caller caller, NewJob in) {
        return create(caller, in, true);
    }

    /**
     * For a feature running its own operation: the device's execution of job {@code jobId} ends with
     * {@code outcome} (or is queued again when a retry criterion covers it). Returns FINISHED, RETRIED or
     * NOT_IN_PROGRESS (it was not running: ended already, or canceled).
     */
    @Transactional
    public String endExecution(UUID tenantId, UUID jobId, UUID deviceId, ExecutionStatus outcome,
            Map<String, ?> details) {
        Row job = find(tenantId, jobId);
        return outcomes.end(tenantId, jobId, specs.read(job.id(), job.spec()), deviceId, null, outcome, details,
                clock.millis()).name();
    }

    private Created create(Caller caller, NewJob in, boolean allowExternal) {
        UUID tenantId = caller.tenantId();
        if (in.idempotencyKey() != null) {
            var existing = jobs.findByKey(tenantId, in.idempotencyKey());
            if (existing.isPresent()) {
                return new Created(view(existing.get()), false);
            }
        }
        NewJob spec = specs.normalize(in, allowExternal);
        targets.condition(tenantId, spec.target()); // 404 for another tenant's or a deleted group
        long now = clock.millis();
        boolean continuous = spec.targeting().equals("continuous");
        Row row = new Row(tenantId, Ids.newId(clock), spec.name(), spec.description(), JobStatus.IN_PROGRESS, null,
                specs.write(spec), continuous, spec.idempotencyKey(), caller.actor(), now, now, null, 1, 0, null,
                false, now, JobSpecs.initialRate(spec), null, 0, null, 0, 0, true, false, null, null);
        if (!jobs.insert(row)) { // a concurrent create with the same key won
            return new Created(view(jobs.findByKey(tenantId, in.idempotencyKey()).orElseThrow()), false);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("operation", spec.operation().type());
        details.put("target", spec.target().groupId() != null ? "group:" + spec.target().groupId()
                : spec.target().query());
        audit.recordDetails(tenantId, caller, "job.create", "job", row.id().toString(), details);
        publisher.publishEvent(new JobStatusChanged(tenantId, row.id(), null, JobStatus.IN_PROGRESS, null,
                caller.actor(), Instant.ofEpochMilli(now)));
        return new Created(view(row), true);
    }

    public Job get(UUID tenantId, UUID id) {
        return view(find(tenantId, id));
    }

    public Page<Job> list(UUID tenantId, JobStatus status, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "job");
        UUID before = c == null ? null : Ids.parseOrNull(c.id());
        return Page.of(jobs.list(tenantId, status, before, limit + 1), limit,
                r -> new Cursor("job", null, r.id().toString())).map(this::view);
    }

    /** Stops starting executions (running ones go on); a paused job answers as it is. */
    @Transactional
    public Job pause(Caller caller, UUID id, Long ifMatch) {
        return change(caller, id, ifMatch, JobStatus.PAUSED, List.of(JobStatus.IN_PROGRESS), false,
                "job.pause");
    }

    /** Starts executions again, on a fresh schedule (no catch-up burst). */
    @Transactional
    public Job resume(Caller caller, UUID id, Long ifMatch) {
        return change(caller, id, ifMatch, JobStatus.IN_PROGRESS, List.of(JobStatus.PAUSED), false,
                "job.resume");
    }

    /** Cancels the job: its queued executions are canceled, with {@code force} its in-progress ones too. */
    @Transactional
    public Job cancel(Caller caller, UUID id, Long ifMatch, boolean force) {
        return change(caller, id, ifMatch, JobStatus.CANCELED, RUNNING, force, "job.cancel");
    }

    public Page<JobExecution> executions(UUID tenantId, UUID id, ExecutionStatus status, String cursor, int limit) {
        find(tenantId, id);
        Cursor c = Cursor.decode(cursor, "execution");
        UUID after = c == null ? null : Ids.parseOrNull(c.id());
        return Page.of(executions.list(tenantId, id, status, after, limit + 1), limit,
                r -> new Cursor("execution", null, r.deviceId().toString())).map(this::view);
    }

    public JobExecution execution(UUID tenantId, UUID id, UUID deviceId) {
        find(tenantId, id);
        return executions.find(tenantId, id, deviceId).map(this::view)
                .orElseThrow(() -> ApiException.notFound("job execution"));
    }

    /** A device's executions across jobs, newest job first. */
    public Page<JobExecution> deviceExecutions(UUID tenantId, UUID deviceId, String cursor, int limit) {
        if (!devices.exists(tenantId, deviceId)) {
            throw ApiException.notFound("device");
        }
        Cursor c = Cursor.decode(cursor, "device-execution");
        UUID before = c == null ? null : Ids.parseOrNull(c.id());
        return Page.of(executions.forDevice(tenantId, deviceId, before, limit + 1), limit,
                r -> new Cursor("device-execution", null, r.jobId().toString())).map(this::view);
    }

    /** A purged device's executions go with it. */
    @EventListener
    @Transactional
    public void onDeviceStatusChanged(DeviceStatusChanged e) {
        if (e.status() == null) {
            executions.deleteDevice(e.tenantId(), e.deviceId());
        }
    }

    private Job change(Caller caller, UUID id, Long ifMatch, JobStatus to, List<JobStatus> from,
            boolean force, String action) {
        UUID tenantId = caller.tenantId();
        Row cur = find(tenantId, id);
        if (ifMatch != null && ifMatch != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the job is at version " + cur.version());
        }
        if (cur.status() == to) {
            return view(cur);
        }
        if (!jobs.changeStatus(tenantId, id, from, to, to == JobStatus.CANCELED ? "canceled by " + caller.actor()
                : null, ifMatch, force, to == JobStatus.IN_PROGRESS, clock.millis())) {
            Row now = find(tenantId, id);
            if (ifMatch != null && now.version() != ifMatch) {
                throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the job is at version " + now.version());
            }
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "the job is " + now.status() + "; it cannot become "
                    + to, Map.of("job_status", now.status().name()));
        }
        audit.recordDetails(tenantId, caller, action, "job", id.toString(), force ? Map.of("force", true) : Map.of());
        publisher.publishEvent(new JobStatusChanged(tenantId, id, cur.status(), to, to == JobStatus.CANCELED
                ? "canceled by " + caller.actor() : null, caller.actor(), clock.instant()));
        return get(tenantId, id);
    }

    private Row find(UUID tenantId, UUID id) {
        return jobs.find(tenantId, id).orElseThrow(() -> ApiException.notFound("job"));
    }

    private Job view(Row r) {
        NewJob spec = specs.read(r.id(), r.spec());
        return new Job(r.id(), r.name(), r.description(), r.status(), r.statusReason(), spec.target(),
                spec.targeting(), spec.operation(), spec.rollout(), spec.abort(), spec.timeoutSeconds(),
                spec.retries(), r.idempotencyKey(), r.actor(), Instant.ofEpochMilli(r.createdAt()),
                Instant.ofEpochMilli(r.updatedAt()), at(r.finishedAt()), r.version(), progress(r));
    }

    private JobProgress progress(Row r) {
        Map<ExecutionStatus, Long> counts = executions.counts(r.tenantId(), r.id());
        long all = counts.values().stream().mapToLong(Long::longValue).sum();
        long open = counts.get(ExecutionStatus.QUEUED) + counts.get(ExecutionStatus.IN_PROGRESS);
        double percent = all == 0 ? (r.targetingDone() ? 100 : 0) : Math.floor((all - open) * 1000.0 / all) / 10;
        long recent = RatePlan.inWindow(r.recentStarts(), clock.millis());
        Long eta = null;
        if (open == 0 && r.targetingDone()) {
            eta = 0L;
        } else if (r.status() == JobStatus.IN_PROGRESS && recent > 0) {
            eta = Math.round(counts.get(ExecutionStatus.QUEUED) * 61.0 / recent);
        }
        NewJob spec = specs.read(r.id(), r.spec());
        Integer wave = null;
        Instant passed = null;
        if (spec.rollout() != null && spec.rollout().waves() != null && !spec.rollout().waves().isEmpty()) {
            JobRepository.WaveState ws = jobs.wave(r.tenantId(), r.id());
            wave = ws.wave() + 1;
            passed = at(ws.passedAt());
        }
        return new JobProgress(r.targeted(), r.targetingDone(), counts, percent, eta, r.ratePerMinute(), wave,
                passed);
    }

    private JobExecution view(ExecutionRepository.Row r) {
        return new JobExecution(r.jobId(), r.deviceId(), r.status(), r.attempt(), Instant.ofEpochMilli(r.queuedAt()),
                at(r.startedAt()), at(r.finishedAt()), Instant.ofEpochMilli(r.updatedAt()), r.commandId(),
                r.details() == null ? null : json.readTree(r.details()));
    }

    private static Instant at(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }
}
