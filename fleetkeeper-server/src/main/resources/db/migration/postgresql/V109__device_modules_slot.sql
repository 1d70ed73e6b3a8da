-- Devices by module slot. Same meaning as ../sqlite/V109__device_modules_slot.sql.
-- The fleet query fields module.SLOT and module.SLOT.FIELD are a semi-join on (tenant_id, slot); the primary key
-- starts with the device, so without this index they read every module of the tenant.

CREATE INDEX device_modules_slot ON device_modules (tenant_id, slot, device_id);
