package io.fleetkeeper.template.internal;

import io.fleetkeeper.store.AdHocQueries;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.template.DeviceModule;
import io.fleetkeeper.template.DeviceSensor;
import io.fleetkeeper.template.DeviceTransport;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/** The per-device instances: {@code device_sensors}, {@code device_transports}, {@code device_modules}. */
@Repository
public class InstanceRepository {

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final AdHocQueries adHoc;

    InstanceRepository(JdbcClient jdbc, JsonMapper json, AdHocQueries adHoc) {
        this.jdbc = jdbc;
        this.json = json;
        this.adHoc = adHoc;
    }

    // --- sensors

    public List<DeviceSensor> sensors(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT * FROM device_sensors WHERE tenant_id = ? AND device_id = ? ORDER BY key")
                .params(tenantId.toString(), deviceId.toString()).query(this::sensor).list();
    }

    /** The sensors of {@code deviceIds}, in (device, key) order. */
    public List<DeviceSensor> sensors(UUID tenantId, Collection<? extends UUID> deviceIds) {
        if (deviceIds.isEmpty()) {
            return List.of();
        }
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        deviceIds.forEach(id -> params.add(id.toString()));
        return adHoc.list("SELECT * FROM device_sensors WHERE tenant_id = ? AND device_id IN ("
                + String.join(", ", Collections.nCopies(deviceIds.size(), "?")) + ") ORDER BY device_id, key", params,
                this::sensor);
    }

    public Optional<DeviceSensor> sensor(UUID tenantId, UUID deviceId, String key) {
        return jdbc.sql("SELECT * FROM device_sensors WHERE tenant_id = ? AND device_id = ? AND key = ?")
                .params(tenantId.toString(), deviceId.toString(), key).query(this::sensor).optional();
    }

    public void insertSensor(UUID tenantId, DeviceSensor s) {
        jdbc.sql("""
                INSERT INTO device_sensors (tenant_id, device_id, key, name, unit, data_type, min_value, max_value,
                  expected_interval, enabled, calibration_offset, calibration_scale, from_template, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), s.deviceId().toString(), s.key(), s.name(), s.unit(), s.dataType(),
                        s.min(), s.max(), s.expectedInterval(), s.enabled() ? 1 : 0, s.calibrationOffset(),
                        s.calibrationScale(), s.fromTemplate() ? 1 : 0, s.updatedAt().toEpochMilli(), s.version())
                .update();
    }

    /** Writes a changed sensor when its stored version is still {@code expected}. */
    public boolean updateSensor(UUID tenantId, DeviceSensor s, long expected) {
        return jdbc.sql("""
                UPDATE device_sensors SET name = ?, unit = ?, data_type = ?, min_value = ?, max_value = ?,
                  expected_interval = ?, enabled = ?, calibration_offset = ?, calibration_scale = ?, from_template = ?,
                  updated_at = ?, version = ?
                WHERE tenant_id = ? AND device_id = ? AND key = ? AND version = ?""")
                .params(s.name(), s.unit(), s.dataType(), s.min(), s.max(), s.expectedInterval(), s.enabled() ? 1 : 0,
                        s.calibrationOffset(), s.calibrationScale(), s.fromTemplate() ? 1 : 0,
                        s.updatedAt().toEpochMilli(), s.version(), tenantId.toString(), s.deviceId().toString(),
                        s.key(), expected)
                .update() == 1;
    }

    public boolean deleteSensor(UUID tenantId, UUID deviceId, String key) {
        return jdbc.sql("DELETE FROM device_sensors WHERE tenant_id = ? AND device_id = ? AND key = ?")
                .params(tenantId.toString(), deviceId.toString(), key).update() == 1;
    }

    /**
     * The shortest expected interval (seconds) among the enabled sensors of each of {@code deviceIds} that have
     * one.
     */
    public Map<UUID, Long> shortestIntervals(UUID tenantId, Collection<UUID> deviceIds) {
        Map<UUID, Long> out = new HashMap<>();
        if (deviceIds.isEmpty()) {
            return out;
        }
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        deviceIds.forEach(id -> params.add(id.toString()));
        adHoc.list("SELECT device_id, MIN(expected_interval) AS m FROM device_sensors WHERE tenant_id = ?"
                + " AND device_id IN (" + String.join(", ", Collections.nCopies(deviceIds.size(), "?")) + ")"
                + " AND enabled = 1 AND expected_interval IS NOT NULL GROUP BY device_id", params,
                (rs, n) -> Map.entry(UUID.fromString(rs.getString("device_id")), rs.getLong("m")))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** The fleet-wide page of sensors after ({@code afterDevice}, {@code afterKey}), filtered. */
    public List<DeviceSensor> sensorPage(UUID tenantId, SensorFilter f, String afterDevice, String afterKey,
            int limit) {
        StringBuilder sql = new StringBuilder("SELECT s.* FROM device_sensors s WHERE s.tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (afterDevice != null) {
            sql.append(" AND (s.device_id > ? OR (s.device_id = ? AND s.key > ?))");
            params.add(afterDevice);
            params.add(afterDevice);
            params.add(afterKey);
        }
        if (f.key() != null) {
            sql.append(" AND s.key = ?");
            params.add(f.key());
        }
        if (f.dataType() != null) {
            sql.append(" AND s.data_type = ?");
            params.add(f.dataType());
        }
        if (f.unit() != null) {
            sql.append(" AND s.unit = ?");
            params.add(f.unit());
        }
        if (f.enabled() != null) {
            sql.append(" AND s.enabled = ?");
            params.add(f.enabled() ? 1 : 0);
        }
        if (f.devices() != null) {
            sql.append(" AND s.device_id IN (SELECT q.id FROM (").append(f.devices().sql()).append(") q)");
            params.addAll(f.devices().params());
        }
        sql.append(" ORDER BY s.device_id, s.key LIMIT ?");
        params.add(limit);
        return adHoc.list(sql.toString(), params, this::sensor);
    }

    /** Filters of the fleet-wide sensor listing; {@code devices} restricts to the devices a fleet query selects. */
    public record SensorFilter(String key, String dataType, String unit, Boolean enabled,
            io.fleetkeeper.device.DeviceIdQuery devices) {
    }

    private DeviceSensor sensor(ResultSet rs, int n) throws SQLException {
        return new DeviceSensor(UUID.fromString(rs.getString("device_id")), rs.getString("key"), rs.getString("name"),
                rs.getString("unit"), rs.getString("data_type"), dbl(rs, "min_value"), dbl(rs, "max_value"),
                lng(rs, "expected_interval"), rs.getInt("enabled") == 1, dbl(rs, "calibration_offset"),
                dbl(rs, "calibration_scale"), rs.getInt("from_template") == 1, Times.instant(rs, "updated_at"),
                rs.getLong("version"));
    }

    // --- transports

    public List<DeviceTransport> transports(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT * FROM device_transports WHERE tenant_id = ? AND device_id = ? ORDER BY kind")
                .params(tenantId.toString(), deviceId.toString()).query(this::transport).list();
    }

    public Optional<DeviceTransport> transport(UUID tenantId, UUID deviceId, String kind) {
        return jdbc.sql("SELECT * FROM device_transports WHERE tenant_id = ? AND device_id = ? AND kind = ?")
                .params(tenantId.toString(), deviceId.toString(), kind).query(this::transport).optional();
    }

    public void insertTransport(UUID tenantId, DeviceTransport t) {
        jdbc.sql("""
                INSERT INTO device_transports (tenant_id, device_id, kind, settings, enabled, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), t.deviceId().toString(), t.kind(), t.settings().toString(),
                        t.enabled() ? 1 : 0, t.updatedAt().toEpochMilli(), t.version())
                .update();
    }

    public boolean updateTransport(UUID tenantId, DeviceTransport t, long expected) {
        return jdbc.sql("""
                UPDATE device_transports SET settings = ?, enabled = ?, updated_at = ?, version = ?
                WHERE tenant_id = ? AND device_id = ? AND kind = ? AND version = ?""")
                .params(t.settings().toString(), t.enabled() ? 1 : 0, t.updatedAt().toEpochMilli(), t.version(),
                        tenantId.toString(), t.deviceId().toString(), t.kind(), expected)
                .update() == 1;
    }

    public boolean deleteTransport(UUID tenantId, UUID deviceId, String kind) {
        return jdbc.sql("DELETE FROM device_transports WHERE tenant_id = ? AND device_id = ? AND kind = ?")
                .params(tenantId.toString(), deviceId.toString(), kind).update() == 1;
    }

    private DeviceTransport transport(ResultSet rs, int n) throws SQLException {
        return new DeviceTransport(UUID.fromString(rs.getString("device_id")), rs.getString("kind"),
                json.readTree(rs.getString("settings")), rs.getInt("enabled") == 1, Times.instant(rs, "updated_at"),
                rs.getLong("version"));
    }

    // --- modules

    public List<DeviceModule> modules(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT * FROM device_modules WHERE tenant_id = ? AND device_id = ? ORDER BY slot")
                .params(tenantId.toString(), deviceId.toString()).query(this::module).list();
    }

    public Optional<DeviceModule> module(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("SELECT * FROM device_modules WHERE tenant_id = ? AND device_id = ? AND slot = ?")
                .params(tenantId.toString(), deviceId.toString(), slot).query(this::module).optional();
    }

    public void insertModule(UUID tenantId, DeviceModule m) {
        jdbc.sql("""
                INSERT INTO device_modules (tenant_id, device_id, slot, kind, serial, firmware_version, assigned_at,
                  updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), m.deviceId().toString(), m.slot(), m.kind(), m.serial(),
                        m.firmwareVersion(), m.assignedAt().toEpochMilli(), m.updatedAt().toEpochMilli(), m.version())
                .update();
    }

    public boolean updateModule(UUID tenantId, DeviceModule m, long expected) {
        return jdbc.sql("""
                UPDATE device_modules SET kind = ?, serial = ?, firmware_version = ?, assigned_at = ?, updated_at = ?,
                  version = ? WHERE tenant_id = ? AND device_id = ? AND slot = ? AND version = ?""")
                .params(m.kind(), m.serial(), m.firmwareVersion(), m.assignedAt().toEpochMilli(),
                        m.updatedAt().toEpochMilli(), m.version(), tenantId.toString(), m.deviceId().toString(),
                        m.slot(), expected)
                .update() == 1;
    }

    public boolean deleteModule(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("DELETE FROM device_modules WHERE tenant_id = ? AND device_id = ? AND slot = ?")
                .params(tenantId.toString(), deviceId.toString(), slot).update() == 1;
    }

    private DeviceModule module(ResultSet rs, int n) throws SQLException {
        return new DeviceModule(UUID.fromString(rs.getString("device_id")), rs.getString("slot"), rs.getString("kind"),
                rs.getString("serial"), rs.getString("firmware_version"), Times.instant(rs, "assigned_at"),
                Times.instant(rs, "updated_at"), rs.getLong("version"));
    }

    /** Deletes every instance of a device (it is being purged). */
    public void deleteAll(UUID tenantId, UUID deviceId) {
        for (String table : List.of("device_sensors", "device_transports", "device_modules")) {
            jdbc.sql("DELETE FROM " + table + " WHERE tenant_id = ? AND device_id = ?")
                    .params(tenantId.toString(), deviceId.toString()).update();
        }
    }

    private static Double dbl(ResultSet rs, String column) throws SQLException {
        double d = rs.getDouble(column);
        return rs.wasNull() ? null : d;
    }

    private static Long lng(ResultSet rs, String column) throws SQLException {
        long l = rs.getLong(column);
        return rs.wasNull() ? null : l;
    }
}
