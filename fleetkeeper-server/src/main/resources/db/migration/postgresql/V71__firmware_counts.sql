-- Maintained device counts per firmware version (issue 7: the whole tenant's aggregation by firmware reads
-- these instead of scanning the devices). Same meaning as ../sqlite/V71__firmware_counts.sql.
-- Value: '' when a device has no firmware version, '=' followed by the version otherwise.
INSERT INTO device_stats (tenant_id, dimension, value, count)
SELECT tenant_id, 'firmware', CASE WHEN firmware_version IS NULL THEN '' ELSE '=' || firmware_version END, COUNT(*)
  FROM devices
 GROUP BY tenant_id, CASE WHEN firmware_version IS NULL THEN '' ELSE '=' || firmware_version END;
