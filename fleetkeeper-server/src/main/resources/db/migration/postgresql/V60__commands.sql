-- Commands to one device (issue 7). Same meaning as ../sqlite/V60__commands.sql.
-- status: QUEUED, SENT, DELIVERED, SUCCEEDED, FAILED, TIMED_OUT, EXPIRED, CANCELED; every move is a
-- conditional UPDATE on the current status. Times are epoch millis; finished_at is set by every final status.
-- idempotency_key is unique per device while the command's TTL runs (it is cleared when a later create
-- finds the old command expired).

CREATE TABLE commands (
    tenant_id        UUID    NOT NULL REFERENCES tenants (id),
    id               UUID    NOT NULL,
    device_id        UUID    NOT NULL,
    name             TEXT    NOT NULL,
    payload          TEXT,
    status           TEXT    NOT NULL,
    idempotency_key  TEXT,
    actor            TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL,
    sent_at          BIGINT,
    delivered_at     BIGINT,
    finished_at      BIGINT,
    result           TEXT,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX commands_device ON commands (tenant_id, device_id, id);
CREATE UNIQUE INDEX commands_idempotency ON commands (tenant_id, device_id, idempotency_key);
CREATE INDEX commands_open ON commands (expires_at) WHERE status IN ('QUEUED', 'SENT', 'DELIVERED');
