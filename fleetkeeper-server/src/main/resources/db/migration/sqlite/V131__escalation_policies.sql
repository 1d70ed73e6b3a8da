-- Shared escalation policies. Same meaning as ../postgresql/V131__escalation_policies.sql.
-- A policy is a named escalation chain (JSON: levels with channels and/or a schedule, each after the one before)
-- that alert rules reference instead of carrying their own.
CREATE TABLE escalation_policies (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    escalation  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
ALTER TABLE alert_rules ADD COLUMN escalation_policy_id TEXT;
CREATE INDEX alert_rules_escalation_policy ON alert_rules (tenant_id, escalation_policy_id)
    WHERE escalation_policy_id IS NOT NULL;
