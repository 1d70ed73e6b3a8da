-- Exports (devices, audit) streamed into the blob store. Same meaning as ../postgresql/V92__exports.sql.
-- One row per export job; status QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELED. A RUNNING export is held by
-- a node until lease_until; an expired lease is taken over and the export restarts from the beginning. sha256
-- names the artifact blob (one reference in blobs) once SUCCEEDED; expires_at is when it is deleted.

CREATE TABLE exports (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    id           TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    compression  TEXT    NOT NULL,
    query        TEXT,
    range_from   INTEGER,
    range_to     INTEGER,
    status       TEXT    NOT NULL,
    row_count    INTEGER NOT NULL DEFAULT 0,
    size         INTEGER,
    sha256       TEXT,
    error        TEXT,
    lease_holder TEXT,
    lease_until  INTEGER,
    created_by   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    expires_at   INTEGER,
    version      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX exports_pending ON exports (status, lease_until);
