package io.fleetkeeper.job.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.Job;
import io.fleetkeeper.job.JobExecution;
import io.fleetkeeper.job.JobService;
import io.fleetkeeper.job.JobStatus;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/jobs}: operators run one operation over many devices and follow it. */
@RestController
@RequestMapping("/api/v1")
class JobController {

    private final JobService jobs;
    private final Limits limits;

    JobController(JobService jobs, Limits limits) {
        this.jobs = jobs;
        this.limits = limits;
    }

    /** 201 with the job (200 when {@code idempotency_key} named an earlier one). */
    @PostMapping("/jobs")
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "200", description = "The idempotency key named an earlier one: that one",
            useReturnTypeSchema = true)
    ResponseEntity<Job> create(Caller caller, @RequestBody NewJob body) {
        JobService.Created c = jobs.create(caller, body);
        ResponseEntity.BodyBuilder b = c.created()
                ? ResponseEntity.created(URI.create("/api/v1/jobs/" + c.job().id())) : ResponseEntity.ok();
        return b.eTag(Etags.of(c.job().version())).body(c.job());
    }

    /** The same as {@code POST /jobs} with the group as the target (seed 004's form); a body target is refused. */
    @PostMapping("/fleet-groups/{groupId}/jobs")
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "200", description = "The idempotency key named an earlier one: that one",
            useReturnTypeSchema = true)
    ResponseEntity<Job> createForGroup(Caller caller, @PathVariable UUID groupId, @RequestBody NewJob body) {
        if (body.target() != null) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "the target is the group in the path",
                    java.util.List.of(new ApiException.FieldError("target", "must be absent: the path names the group")));
        }
        return create(caller, new NewJob(body.name(), body.description(), new NewJob.Target(groupId.toString(), null),
                body.targeting(), body.operation(), body.rollout(), body.abort(), body.timeoutSeconds(),
                body.retries(), body.idempotencyKey()));
    }

    @GetMapping("/jobs")
    Page<Job> list(Caller caller, @RequestParam(required = false) String status,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) Integer limit) {
        return jobs.list(caller.tenantId(), parse(JobStatus.class, status), cursor, limits.pageSize(limit));
    }

    @GetMapping("/jobs/{id}")
    ResponseEntity<Job> get(Caller caller, @PathVariable UUID id) {
        return withEtag(jobs.get(caller.tenantId(), id));
    }

    @PostMapping("/jobs/{id}/pause")
    ResponseEntity<Job> pause(Caller caller, @PathVariable UUID id,
            @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        return withEtag(jobs.pause(caller, id, Etags.expectedVersion(ifMatch)));
    }

    @PostMapping("/jobs/{id}/resume")
    ResponseEntity<Job> resume(Caller caller, @PathVariable UUID id,
            @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        return withEtag(jobs.resume(caller, id, Etags.expectedVersion(ifMatch)));
    }

    @PostMapping("/jobs/{id}/cancel")
    ResponseEntity<Job> cancel(Caller caller, @PathVariable UUID id,
            @RequestParam(required = false, defaultValue = "false") boolean force,
            @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        return withEtag(jobs.cancel(caller, id, Etags.expectedVersion(ifMatch), force));
    }

    @GetMapping("/jobs/{id}/executions")
    Page<JobExecution> executions(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String status,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) Integer limit) {
        return jobs.executions(caller.tenantId(), id, parse(ExecutionStatus.class, status), cursor,
                limits.pageSize(limit));
    }

    @GetMapping("/jobs/{id}/executions/{deviceId}")
    JobExecution execution(Caller caller, @PathVariable UUID id, @PathVariable UUID deviceId) {
        return jobs.execution(caller.tenantId(), id, deviceId);
    }

    @GetMapping("/devices/{id}/job-executions")
    Page<JobExecution> deviceExecutions(Caller caller, @PathVariable UUID id,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) Integer limit) {
        return jobs.deviceExecutions(caller.tenantId(), id, cursor, limits.pageSize(limit));
    }

    private static ResponseEntity<Job> withEtag(Job j) {
        return ResponseEntity.ok().eTag(Etags.of(j.version())).body(j);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "status is one of "
                    + Arrays.toString(type.getEnumConstants()));
        }
    }
}
