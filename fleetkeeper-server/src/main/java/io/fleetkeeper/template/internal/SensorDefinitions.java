package io.fleetkeeper.template.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceSensors;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.template.DeviceSensor;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The device feature's view of per-device sensors and modules: fleet query conditions as a semi-join on
 * {@code device_sensors} (and {@code device_modules}) (its primary key starts with the tenant and device; {@code device_sensors_key} serves a
 * selective key), and the definitions telemetry applies, cached for a minute per device (a change made on this node
 * is seen at once, on another node within the minute).
 */
@Component
public class SensorDefinitions implements DeviceSensors {

    private static final Map<String, String> COLUMNS = Map.of("unit", "s.unit", "data_type", "s.data_type",
            "enabled", "s.enabled", "min", "s.min_value", "max", "s.max_value", "expected_interval",
            "s.expected_interval");

    private final InstanceRepository instances;
    private final Dialect dialect;
    private final Cache<UUID, Map<String, Definition>> cache = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(1)).build();

    SensorDefinitions(InstanceRepository instances, Dialect dialect) {
        this.instances = instances;
        this.dialect = dialect;
    }

    @Override
    public DeviceCondition sensor(UUID tenantId, String deviceId, String key, String field, Comparison comparison,
            List<Object> values) {
        if (!KEY.matcher(key).matches() || field != null && !FIELDS.contains(field)) {
            throw new IllegalArgumentException("not a sensor field: " + key + (field == null ? "" : "." + field));
        }
        comparison.checkValues(values.size());
        StringBuilder sql = new StringBuilder(deviceId).append(
                " IN (SELECT s.device_id FROM device_sensors s WHERE s.tenant_id = ? AND s.key = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), key));
        if (field == null) {
            if (comparison != Comparison.EXISTS) {
                throw new IllegalArgumentException("a sensor's definition is tested with EXISTS");
            }
        } else if (comparison == Comparison.EXISTS) {
            sql.append(" AND ").append(COLUMNS.get(field)).append(" IS NOT NULL");
        } else {
            sql.append(" AND (");
            for (int i = 0; i < values.size(); i++) {
                sql.append(i == 0 ? "" : " OR ");
                test(sql, params, field, comparison, values.get(i));
            }
            sql.append(')');
        }
        return new DeviceCondition(sql.append(')').toString(), params);
    }

    private void test(StringBuilder sql, List<Object> params, String field, Comparison comparison, Object v) {
        String column = COLUMNS.get(field);
        switch (field) {
            case "enabled" -> {
                if (!(v instanceof Boolean b) || !comparison.operator().equals("=")) {
                    throw new IllegalArgumentException("compares with true or false, e.g. sensor.KEY.enabled = true");
                }
                sql.append(column).append(" = ?");
                params.add(b ? 1 : 0);
            }
            case "unit", "data_type" -> {
                if (!(v instanceof String text)) {
                    throw new IllegalArgumentException("compares with a quoted string, e.g. sensor.KEY." + field
                            + " = \"" + (field.equals("unit") ? "degC" : "number") + "\"");
                }
                sql.append('(').append(column).append(" IS NOT NULL AND ").append(column)
                        .append(dialect == Dialect.POSTGRESQL ? " COLLATE \"C\" " : " ")
                        .append(comparison.operator()).append(" ?)");
                params.add(text);
            }
            default -> {
                if (!(v instanceof BigDecimal n)) {
                    throw new IllegalArgumentException("compares with a number, e.g. sensor.KEY." + field + " > 10");
                }
                sql.append('(').append(column).append(" IS NOT NULL AND ").append(column).append(' ')
                        .append(comparison.operator()).append(" ?)");
                params.add(n.doubleValue());
            }
        }
    }

    @Override
    public DeviceCondition module(UUID tenantId, String deviceId, String slot, String field, Comparison comparison,
            List<Object> values) {
        if (!SLOT.matcher(slot).matches() || field != null && !MODULE_FIELDS.contains(field)) {
            throw new IllegalArgumentException("not a module field: " + slot + (field == null ? "" : "." + field));
        }
        comparison.checkValues(values.size());
        StringBuilder sql = new StringBuilder(deviceId).append(
                " IN (SELECT m.device_id FROM device_modules m WHERE m.tenant_id = ? AND m.slot = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), slot));
        String column = field == null ? null : "m." + field;
        if (field == null) {
            if (comparison != Comparison.EXISTS) {
                throw new IllegalArgumentException("a module slot is tested with EXISTS, its fields with a value");
            }
        } else if (comparison == Comparison.EXISTS) {
            sql.append(" AND ").append(column).append(" IS NOT NULL");
        } else {
            sql.append(" AND (");
            for (int i = 0; i < values.size(); i++) {
                if (!(values.get(i) instanceof String text)) {
                    throw new IllegalArgumentException("compares with a quoted string, e.g. module.SLOT." + field
                            + " = \"" + (field.equals("firmware_version") ? "2.1.0" : "lte-modem") + "\"");
                }
                sql.append(i == 0 ? "" : " OR ").append('(').append(column).append(" IS NOT NULL AND ")
                        .append(column).append(dialect == Dialect.POSTGRESQL ? " COLLATE \"C\" " : " ")
                        .append(comparison.operator()).append(" ?)");
                params.add(text);
            }
            sql.append(')');
        }
        return new DeviceCondition(sql.append(')').toString(), params);
    }

    @Override
    public Map<String, Definition> definitions(UUID tenantId, UUID deviceId) {
        return cache.get(deviceId, id -> byKey(instances.sensors(tenantId, id)));
    }

    @Override
    public Map<UUID, Map<String, Definition>> definitions(UUID tenantId, Collection<UUID> deviceIds) {
        return cache.getAll(deviceIds, missing -> {
            Map<UUID, List<DeviceSensor>> found = new HashMap<>();
            for (DeviceSensor s : instances.sensors(tenantId, missing)) {
                found.computeIfAbsent(s.deviceId(), k -> new ArrayList<>()).add(s);
            }
            Map<UUID, Map<String, Definition>> out = new HashMap<>();
            for (UUID id : missing) {
                out.put(id, byKey(found.getOrDefault(id, List.of())));
            }
            return out;
        });
    }

    private static Map<String, Definition> byKey(List<DeviceSensor> sensors) {
        Map<String, Definition> out = new LinkedHashMap<>();
        for (DeviceSensor s : sensors) {
            out.put(s.key(), new Definition(s.key(), s.unit(), s.dataType(), s.min(), s.max(), s.expectedInterval(),
                    s.enabled(), s.calibrationOffset(), s.calibrationScale()));
        }
        return Map.copyOf(out);
    }

    @Override
    public Map<UUID, Long> expectedIntervals(UUID tenantId, Collection<UUID> deviceIds) {
        return instances.shortestIntervals(tenantId, deviceIds);
    }

    /** Drops the cached definitions of a device whose sensors changed. */
    public void forget(UUID deviceId) {
        cache.invalidate(deviceId);
    }
}
