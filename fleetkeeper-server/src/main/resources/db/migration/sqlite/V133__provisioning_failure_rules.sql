-- Provisioning-failure alert rules. Same meaning as ../postgresql/V133__provisioning_failure_rules.sql.
-- A provisioning_failures rule opens an alert when rate_count refused provisioning attempts of the tenant fall
-- within rate_window_minutes.
ALTER TABLE alert_rules ADD COLUMN rate_count INTEGER;
ALTER TABLE alert_rules ADD COLUMN rate_window_minutes INTEGER;
-- Counting a tenant's refused attempts in a window reads the outbox; only those rows are indexed.
CREATE INDEX outbox_provisioning_failed ON outbox (tenant_id, at) WHERE type = 'io.fleetkeeper.provisioning.failed';
