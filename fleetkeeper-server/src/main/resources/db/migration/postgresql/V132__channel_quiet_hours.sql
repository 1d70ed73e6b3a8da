-- Quiet hours on notification channels. Same meaning as ../sqlite/V132__channel_quiet_hours.sql.
-- Local "HH:MM" from/to in time_zone: notifications of alerts that are not critical wait until they end.
ALTER TABLE notification_channels ADD COLUMN time_zone TEXT;
ALTER TABLE notification_channels ADD COLUMN quiet_from TEXT;
ALTER TABLE notification_channels ADD COLUMN quiet_to TEXT;
