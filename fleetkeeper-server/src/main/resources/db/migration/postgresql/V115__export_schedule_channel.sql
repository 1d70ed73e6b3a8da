-- A scheduled export's link delivered to a notification channel. Same meaning as
-- ../sqlite/V115__export_schedule_channel.sql.
-- channel_id: the tenant's notification channel each succeeded run's link goes to (null: none). The channel is
-- the event feature's; it is named by id only, and a deleted channel shows as a failed delivery.
-- last_delivery_at, last_delivery_error: the outcome of the latest delivery (error null when it was accepted).

ALTER TABLE export_schedules ADD COLUMN channel_id UUID;
ALTER TABLE export_schedules ADD COLUMN last_delivery_at BIGINT;
ALTER TABLE export_schedules ADD COLUMN last_delivery_error TEXT;
