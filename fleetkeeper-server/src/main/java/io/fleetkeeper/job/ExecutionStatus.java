package io.fleetkeeper.job;

/**
 * One device's part in a job: {@code QUEUED → IN_PROGRESS → SUCCEEDED | FAILED | TIMED_OUT | REJECTED |
 * CANCELED}; a retry takes a FAILED or TIMED_OUT execution back to QUEUED, and QUEUED may become CANCELED.
 */
public enum ExecutionStatus {
    QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, CANCELED;

    public boolean terminal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }
}
