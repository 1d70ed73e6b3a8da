-- Escalation of alerts. Same meaning as ../postgresql/V87__alert_escalation.sql.
-- A rule may name level-2 channels that hear of an alert still OPEN (not acknowledged) escalate_after_minutes
-- after it opened; escalated_at records that it happened.
ALTER TABLE alert_rules ADD COLUMN escalate_after_minutes INTEGER;
ALTER TABLE alert_rules ADD COLUMN escalation_channels TEXT;
ALTER TABLE alerts ADD COLUMN escalated_at INTEGER;
CREATE INDEX alerts_unescalated ON alerts (opened_at) WHERE status = 'OPEN' AND escalated_at IS NULL;
