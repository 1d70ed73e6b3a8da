package io.fleetkeeper.job;

/**
 * A job's states: {@code IN_PROGRESS ↔ PAUSED}, then {@code COMPLETED} (a snapshot job whose executions are all
 * final), {@code CANCELED} (an operator) or {@code ABORTED} (an abort criterion). The last three are final.
 */
public enum JobStatus {
    IN_PROGRESS, PAUSED, COMPLETED, CANCELED, ABORTED;

    public boolean terminal() {
        return this == COMPLETED || this == CANCELED || this == ABORTED;
    }
}
