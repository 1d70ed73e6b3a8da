-- Exports (devices, audit) streamed into the blob store. Same meaning as ../sqlite/V92__exports.sql.
-- One row per export job; status QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELED. A RUNNING export is held by
-- a node until lease_until; an expired lease is taken over and the export restarts from the beginning. sha256
-- names the artifact blob (one reference in blobs) once SUCCEEDED; expires_at is when it is deleted.

CREATE TABLE exports (
    tenant_id    UUID    NOT NULL REFERENCES tenants (id),
    id           UUID    NOT NULL,
    kind         TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    compression  TEXT    NOT NULL,
    query        TEXT,
    range_from   BIGINT ,
    range_to     BIGINT ,
    status       TEXT    NOT NULL,
    row_count    BIGINT  NOT NULL DEFAULT 0,
    size         BIGINT ,
    sha256       TEXT,
    error        TEXT,
    lease_holder TEXT,
    lease_until  BIGINT ,
    created_by   TEXT,
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT ,
    expires_at   BIGINT ,
    version      BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX exports_pending ON exports (status, lease_until);
