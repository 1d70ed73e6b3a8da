package io.fleetkeeper.job;

import java.util.List;
import java.util.UUID;

/**
 * An operation another feature runs on the job engine (OTA campaigns do): its jobs are created with
 * {@link JobService#createFor}, the engine targets, paces, stages and judges them, and hands each dispatched batch
 * to {@link #start}. The feature ends each execution through {@link JobService#endExecution} when the device
 * reports; the engine tells it of the executions it ends itself (time-outs, a forced cancel) through
 * {@link #ended}. Both calls run inside the engine's fenced transaction.
 */
public interface JobOperation {

    /** The {@code operation.type} this handles; not accepted on the public jobs API. */
    String type();

    /** The executions of {@code deviceIds} started (IN_PROGRESS) at {@code now}. */
    void start(UUID tenantId, UUID jobId, List<UUID> deviceIds, long now);

    /** The engine ended an execution: TIMED_OUT (or queued again when {@code retried}) or CANCELED. */
    void ended(UUID tenantId, UUID jobId, UUID deviceId, ExecutionStatus status, boolean retried, long now);
}
