-- Jobs: one operation applied to many devices (issue 7). Same meaning as ../postgresql/V70__jobs.sql.
-- Times are epoch millis. A job's spec (target, operation, rollout, abort, retries, timeout) is JSON text and
-- never changes; the other columns are its running state, written by the node holding its lease.

ALTER TABLE commands ADD COLUMN job_id TEXT;

CREATE TABLE jobs (
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id),
    id                TEXT    NOT NULL,
    name              TEXT,
    description       TEXT,
    status            TEXT    NOT NULL,  -- IN_PROGRESS, PAUSED, COMPLETED, CANCELED, ABORTED
    status_reason     TEXT,
    spec              TEXT    NOT NULL,
    continuous        INTEGER NOT NULL,
    idempotency_key   TEXT,
    actor             TEXT    NOT NULL,
    created_at        INTEGER  NOT NULL,
    updated_at        INTEGER  NOT NULL,
    finished_at       INTEGER,
    version           INTEGER  NOT NULL,
    -- targeting: executions inserted, the last device id of the current pass, whether a pass ended
    targeted          INTEGER  NOT NULL,
    target_cursor     TEXT,
    targeting_done    INTEGER NOT NULL,
    next_scan_at      INTEGER,
    -- rollout: current rate per minute (null: unlimited), the schedule's start and starts since, the
    -- starts of the last 60 s ("epochSecond:count,..."), the count at the last exponential increase
    rate_per_minute   INTEGER,
    schedule_start    INTEGER,
    schedule_count    INTEGER  NOT NULL,
    recent_starts     TEXT,
    ramp_mark         INTEGER  NOT NULL,
    started_total     INTEGER  NOT NULL,
    -- true while the runner has work on the job (until it is final and no execution is open)
    active            INTEGER NOT NULL,
    force_cancel      INTEGER NOT NULL,  -- canceled with ?force=true: in-progress executions are canceled too
    lease_holder      TEXT,
    lease_until       INTEGER,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant_id, idempotency_key);
CREATE INDEX jobs_active ON jobs (lease_until) WHERE active;

-- One execution per device per job, ever. due_at: for QUEUED the earliest start (dispatch order), for
-- IN_PROGRESS the deadline (started + timeout).
CREATE TABLE job_executions (
    tenant_id    TEXT    NOT NULL,
    job_id       TEXT    NOT NULL,
    device_id    TEXT    NOT NULL,
    status       TEXT    NOT NULL,  -- QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, CANCELED
    attempt      INTEGER NOT NULL,
    due_at       INTEGER  NOT NULL,
    queued_at    INTEGER  NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    updated_at   INTEGER  NOT NULL,
    command_id   TEXT,
    details      TEXT,
    PRIMARY KEY (tenant_id, job_id, device_id)
) WITHOUT ROWID;

CREATE INDEX job_executions_work ON job_executions (tenant_id, job_id, status, due_at);
CREATE INDEX job_executions_device ON job_executions (tenant_id, device_id);
