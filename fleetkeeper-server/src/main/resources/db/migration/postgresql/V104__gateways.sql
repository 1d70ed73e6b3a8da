-- Gateways and their child devices. Same meaning as ../sqlite/V104__gateways.sql.
-- parent_device_id names the gateway that may speak for a device over MQTT (depth and cycles are checked by the
-- device feature). Provisioning keys, claim tokens and manifest rows may name the template their devices are
-- created from.

ALTER TABLE devices ADD COLUMN parent_device_id UUID;
CREATE INDEX devices_parent ON devices (tenant_id, parent_device_id, id);
ALTER TABLE provisioning_keys ADD COLUMN template_id UUID;
ALTER TABLE claim_tokens ADD COLUMN template_id UUID;
ALTER TABLE manifest_entries ADD COLUMN template_id UUID;
