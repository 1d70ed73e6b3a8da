-- Campaigns over a group or a fleet query, run as jobs. Same meaning as ../postgresql/V97__ota_rollouts.sql.
-- job_id: the job that stages and paces the campaign (NULL for a campaign over explicit device ids, whose devices
-- are all offered the update at once); spec: the campaign as created (JSON), for its skip rules and window.
-- ota_actions.cancel_from: while an action is CANCELING (the device has been asked to cancel), the status it had.
ALTER TABLE ota_campaigns ADD COLUMN job_id TEXT;
ALTER TABLE ota_campaigns ADD COLUMN spec TEXT;
ALTER TABLE ota_actions ADD COLUMN cancel_from TEXT;
CREATE INDEX ota_campaigns_job ON ota_campaigns (tenant_id, job_id);
