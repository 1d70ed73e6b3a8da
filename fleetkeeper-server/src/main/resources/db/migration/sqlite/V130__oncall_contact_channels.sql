-- People on call reachable through notification channels. Same meaning as ../postgresql/V130__oncall_contact_channels.sql.
-- An override's contact channels (a JSON array of notification channel ids); a schedule's members keep theirs
-- in the members JSON.
ALTER TABLE oncall_overrides ADD COLUMN channels TEXT;
-- The schedule through which a notification reaches the person on call: set with recipient (an e-mail, then
-- channel_id holds the schedule id as before) or alone (channel_id is one of the person's contact channels).
ALTER TABLE alert_notifications ADD COLUMN schedule_id TEXT;
