-- Routes from telemetry. Same meaning as ../sqlite/V141__telemetry_routes.sql.
-- A route whose source is telemetry topic filters may hold a condition on the message's metrics
-- (payload.temperature > 30), evaluated in memory when the telemetry is stored.
ALTER TABLE routes ADD COLUMN payload_condition TEXT;
