-- Telemetry-threshold alert rules. Same meaning as ../sqlite/V113__telemetry_alerts.sql.
-- A telemetry_threshold rule watches one metric (of one stream, the default stream when null): an alert opens
-- when every value of the last for_minutes compares (operator: > >= < <=) with threshold.
ALTER TABLE alert_rules ADD COLUMN metric TEXT;
ALTER TABLE alert_rules ADD COLUMN metric_stream TEXT;
ALTER TABLE alert_rules ADD COLUMN operator TEXT;
ALTER TABLE alert_rules ADD COLUMN threshold DOUBLE PRECISION;
ALTER TABLE alert_rules ADD COLUMN for_minutes BIGINT;
