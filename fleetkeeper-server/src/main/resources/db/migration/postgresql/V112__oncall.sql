-- On-call schedules and multi-level escalation. Same meaning as ../sqlite/V112__oncall.sql.
-- A schedule: members taking turns of rotation_days days, handing off at rotation_start's local time in
-- time_zone; quiet hours (local "HH:MM" from/to in the same zone) hold non-critical on-call e-mails.
CREATE TABLE oncall_schedules (
    tenant_id      UUID    NOT NULL REFERENCES tenants (id),
    id             UUID    NOT NULL,
    name           TEXT    NOT NULL,
    time_zone      TEXT    NOT NULL,
    rotation_start TEXT    NOT NULL,
    rotation_days  BIGINT NOT NULL,
    members        TEXT    NOT NULL,
    quiet_from     TEXT,
    quiet_to       TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- Overrides: someone else on call for [starts_at, ends_at); overrides of a schedule do not overlap.
CREATE TABLE oncall_overrides (
    tenant_id   UUID    NOT NULL,
    id          UUID    NOT NULL,
    schedule_id UUID    NOT NULL,
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES oncall_schedules (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX oncall_overrides_schedule ON oncall_overrides (tenant_id, schedule_id, ends_at);

-- A rule's whole escalation chain as JSON (levels with channels and/or a schedule, each after the one before).
ALTER TABLE alert_rules ADD COLUMN escalation TEXT;
-- How many levels an alert has been escalated to, and when the next level is due (null: none).
ALTER TABLE alerts ADD COLUMN escalation_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN next_escalation_at BIGINT;
UPDATE alerts SET next_escalation_at = opened_at + 60000 * (SELECT r.escalate_after_minutes FROM alert_rules r
    WHERE r.tenant_id = alerts.tenant_id AND r.id = alerts.rule_id)
    WHERE status = 'OPEN' AND escalated_at IS NULL;
UPDATE alerts SET escalation_level = 1 WHERE escalated_at IS NOT NULL;
CREATE INDEX alerts_escalation_due ON alerts (next_escalation_at) WHERE status = 'OPEN' AND next_escalation_at IS NOT NULL;
-- A notification to one person (the on-call member's address); channel_id then holds the schedule id.
ALTER TABLE alert_notifications ADD COLUMN recipient TEXT;
