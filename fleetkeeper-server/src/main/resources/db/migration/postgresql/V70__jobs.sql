-- Jobs: one operation applied to many devices (issue 7). Same meaning as ../sqlite/V70__jobs.sql.
-- Times are epoch millis. A job's spec (target, operation, rollout, abort, retries, timeout) is JSON text and
-- never changes; the other columns are its running state, written by the node holding its lease.

ALTER TABLE commands ADD COLUMN job_id UUID;

CREATE TABLE jobs (
    tenant_id         UUID    NOT NULL REFERENCES tenants (id),
    id                UUID    NOT NULL,
    name              TEXT,
    description       TEXT,
    status            TEXT    NOT NULL,  -- IN_PROGRESS, PAUSED, COMPLETED, CANCELED, ABORTED
    status_reason     TEXT,
    spec              TEXT    NOT NULL,
    continuous        BOOLEAN NOT NULL,
    idempotency_key   TEXT,
    actor             TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    finished_at       BIGINT,
    version           BIGINT  NOT NULL,
    -- targeting: executions inserted, the last device id of the current pass, whether a pass ended
    targeted          BIGINT  NOT NULL,
    target_cursor     TEXT,
    targeting_done    BOOLEAN NOT NULL,
    next_scan_at      BIGINT,
    -- rollout: current rate per minute (null: unlimited), the schedule's start and starts since, the
    -- starts of the last 60 s ("epochSecond:count,..."), the count at the last exponential increase
    rate_per_minute   BIGINT,
    schedule_start    BIGINT,
    schedule_count    BIGINT  NOT NULL,
    recent_starts     TEXT,
    ramp_mark         BIGINT  NOT NULL,
    started_total     BIGINT  NOT NULL,
    -- true while the runner has work on the job (until it is final and no execution is open)
    active            BOOLEAN NOT NULL,
    force_cancel      BOOLEAN NOT NULL,  -- canceled with ?force=true: in-progress executions are canceled too
    lease_holder      TEXT,
    lease_until       BIGINT,
    PRIMARY KEY (tenant_id, id)
);

CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant_id, idempotency_key);
CREATE INDEX jobs_active ON jobs (lease_until) WHERE active;

-- One execution per device per job, ever. due_at: for QUEUED the earliest start (dispatch order), for
-- IN_PROGRESS the deadline (started + timeout).
CREATE TABLE job_executions (
    tenant_id    UUID    NOT NULL,
    job_id       UUID    NOT NULL,
    device_id    UUID    NOT NULL,
    status       TEXT    NOT NULL,  -- QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, CANCELED
    attempt      INTEGER NOT NULL,
    due_at       BIGINT  NOT NULL,
    queued_at    BIGINT  NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    updated_at   BIGINT  NOT NULL,
    command_id   UUID,
    details      TEXT,
    PRIMARY KEY (tenant_id, job_id, device_id)
);

CREATE INDEX job_executions_work ON job_executions (tenant_id, job_id, status, due_at);
CREATE INDEX job_executions_device ON job_executions (tenant_id, device_id);
