-- Export columns and scheduled exports. Same meaning as ../postgresql/V99__export_columns_schedules.sql.
-- columns: the columns an export writes, comma-separated (null: all of its kind's). schedule_id: the schedule
-- that queued it. export_schedules: a cron expression in a time zone; next_run_at is advanced by a conditional
-- UPDATE in the same transaction that queues the export, so one node queues each run. window_ms: for the
-- time-ranged kinds, a run exports [run time - window, run time). retain: finished exports kept per schedule.

ALTER TABLE exports ADD COLUMN columns TEXT;
ALTER TABLE exports ADD COLUMN schedule_id TEXT;

CREATE INDEX exports_schedule ON exports (tenant_id, schedule_id, created_at);

CREATE TABLE export_schedules (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    id           TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    compression  TEXT    NOT NULL,
    query        TEXT,
    columns      TEXT,
    window_ms    INTEGER,
    cron         TEXT    NOT NULL,
    zone         TEXT    NOT NULL,
    retain       INTEGER NOT NULL,
    next_run_at  INTEGER NOT NULL,
    last_run_at  INTEGER,
    created_by   TEXT,
    created_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX export_schedules_due ON export_schedules (next_run_at);
