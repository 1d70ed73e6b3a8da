-- Per-device OTA states as devices report them. Same meaning as ../sqlite/V114__ota_action_states.sql.
-- status: QUEUED (offered, the device has not been told), NOTIFIED (the manifest reached the device), DOWNLOADING,
-- DOWNLOADED, INSTALLING, then SUCCEEDED, FAILED, CANCELED, SKIPPED or TIMED_OUT; CANCELING while the device is
-- asked to cancel. PENDING, the earlier name of an offered action, becomes QUEUED; an action a device had reported
-- downloaded used to be INSTALLING and stays so.
-- progress: the percent the device last reported (0-100); notified_at, started_at (first download or install
-- report) and finished_at (a final status), in epoch milliseconds.
ALTER TABLE ota_actions ADD COLUMN progress BIGINT;
ALTER TABLE ota_actions ADD COLUMN notified_at BIGINT;
ALTER TABLE ota_actions ADD COLUMN started_at BIGINT;
ALTER TABLE ota_actions ADD COLUMN finished_at BIGINT;
UPDATE ota_actions SET status = 'QUEUED' WHERE status = 'PENDING';
UPDATE ota_actions SET started_at = updated_at WHERE status IN ('DOWNLOADING', 'INSTALLING', 'CANCELING');
UPDATE ota_actions SET finished_at = updated_at
    WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED', 'TIMED_OUT');
