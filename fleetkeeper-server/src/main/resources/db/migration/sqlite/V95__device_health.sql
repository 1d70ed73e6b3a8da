-- Device health (ONLINE / STALE / OFFLINE) maintained by the telemetry feature's evaluator through the device
-- feature's API, and telemetry settings for health intervals and per-stream retention.
-- Same meaning as ../postgresql/V95__device_health.sql.
ALTER TABLE devices ADD COLUMN health TEXT NOT NULL DEFAULT 'OFFLINE';
-- When the evaluator must look at the device next (epoch ms); null: not until it is heard.
ALTER TABLE devices ADD COLUMN health_due_at INTEGER;
CREATE INDEX devices_health_due ON devices (health_due_at) WHERE health_due_at IS NOT NULL;
-- Devices heard before are evaluated on the first run.
UPDATE devices SET health_due_at = 0 WHERE last_seen_at IS NOT NULL;
INSERT INTO device_stats (tenant_id, dimension, value, count)
SELECT tenant_id, 'health', 'OFFLINE', COUNT(*) FROM devices GROUP BY tenant_id;

-- JSON objects: {"stream": days} and {"device type": seconds}; null: none of its own.
ALTER TABLE telemetry_settings ADD COLUMN stream_retention TEXT;
ALTER TABLE telemetry_settings ADD COLUMN expected_interval_seconds INTEGER;
ALTER TABLE telemetry_settings ADD COLUMN type_intervals TEXT;
