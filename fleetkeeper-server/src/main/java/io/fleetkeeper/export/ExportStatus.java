package io.fleetkeeper.export;

/** Where an export stands: QUEUED → RUNNING → SUCCEEDED, FAILED or CANCELED. */
public enum ExportStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED;
    }
}
