package io.fleetkeeper.device;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.internal.DeviceColumns;
import io.fleetkeeper.device.internal.MetadataValues;
import io.fleetkeeper.store.Dialect;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Turns one test of a {@link DeviceField} into a {@link DeviceCondition} (the fleet feature compiles its syntax
 * tree with it). SQL text comes only from the column whitelist and fixed fragments; every value is bound. Each
 * condition is two-valued (a missing value is false, never NULL), so {@code NOT} is an exact complement and
 * {@code !=} is {@code NOT =} on both stores. Ordered text comparisons use code-point order on both stores
 * ({@code COLLATE "C"} on PostgreSQL). {@code connected}, {@code shadow.reported.PATH}, {@code telemetry.METRIC},
 * {@code sim.FIELD}, {@code template} and {@code sensor.KEY} come from the features owning that state, through
 * {@link DeviceConnections}, {@link DeviceShadows}, {@link DeviceTelemetry}, {@link DeviceSims},
 * {@link DeviceTemplates} and {@link DeviceSensors}, correlated on {@code d.id} (or {@code d.template_id}).
 */
@Component
public class DeviceConditions {

    /** The device id column every provider correlates on. */
    static final String DEVICE_ID = "d.id";

    /** How a value is tested; {@code !=} and {@code NOT IN} are {@link DeviceCondition#not} of EQ and IN. */
    public enum Test { EQ, PREFIX, IN, LT, LE, GT, GE, EXISTS }

    private final Dialect dialect;
    private final DeviceConnections connections;
    private final DeviceShadows shadows;
    private final DeviceTelemetry telemetry;
    private final DeviceSims sims;
    private final ObjectProvider<DeviceTemplates> templates;
    private final ObjectProvider<DeviceSensors> sensors;

    /**
     * {@code connections} supplies the condition behind {@code connected}, {@code shadows} the one behind
     * {@code shadow.reported.PATH}; either may be null, and a test of its field is then 400 INVALID_QUERY.
     */
    public DeviceConditions(Dialect dialect, DeviceConnections connections, DeviceShadows shadows) {
        this(dialect, connections, shadows, null);
    }

    /** With {@code telemetry} supplying {@code telemetry.METRIC} (null: a test of it is 400 INVALID_QUERY). */
    public DeviceConditions(Dialect dialect, DeviceConnections connections, DeviceShadows shadows,
            DeviceTelemetry telemetry) {
        this(dialect, connections, shadows, telemetry, null);
    }

    /** With {@code sims} supplying {@code sim.FIELD} (null: a test of it is 400 INVALID_QUERY). */
    public DeviceConditions(Dialect dialect, DeviceConnections connections, DeviceShadows shadows,
            DeviceTelemetry telemetry, DeviceSims sims) {
        this(dialect, connections, shadows, telemetry, sims, null, null);
    }

    /**
     * With {@code templates} supplying {@code template} and {@code sensors} {@code sensor.KEY} (either null: a test
     * of its field is 400 INVALID_QUERY). Both are looked up when first used: the template feature uses this class.
     */
    @org.springframework.beans.factory.annotation.Autowired
    public DeviceConditions(Dialect dialect, DeviceConnections connections, DeviceShadows shadows,
            DeviceTelemetry telemetry, DeviceSims sims, ObjectProvider<DeviceTemplates> templates,
            ObjectProvider<DeviceSensors> sensors) {
        this.templates = templates;
        this.sensors = sensors;
        this.sims = sims;
        this.dialect = dialect;
        this.connections = connections;
        this.shadows = shadows;
        this.telemetry = telemetry;
    }

    /**
     * {@code field test values}: {@code key} is the metadata key or the dotted shadow path (else null). Values are
     * {@link String} (text, UUIDs, statuses in upper case, {@code "true"}/{@code "false"} for {@code connected}),
     * {@link Long} epoch millis (times), {@link java.math.BigDecimal} or {@link Boolean} (shadow values). PREFIX
     * takes one string, EXISTS none, IN one or more, the others one.
     */
    public DeviceCondition test(UUID tenantId, DeviceField field, String key, Test test, List<Object> values) {
        return switch (field.kind()) {
            case TAG -> tag(tenantId, test, values);
            case METADATA -> metadata(tenantId, key, test, values);
            case BOOL -> connected(tenantId, test, values);
            case JSON -> field == DeviceField.TELEMETRY ? telemetry(tenantId, key, test, values)
                    : field == DeviceField.SIM ? sim(tenantId, key, test, values)
                    : field == DeviceField.SENSOR ? sensor(tenantId, key, test, values)
                    : reported(tenantId, key, test, values);
            case TEMPLATE -> template(tenantId, test, values);
            case NUMBER -> column(field, test, values.stream().map(v -> (Object) ((BigDecimal) v).longValueExact())
                    .toList());
            default -> column(field, test, values);
        };
    }

    /** Devices with a live connection ({@code true}) or without one, never connected ones included. */
    public DeviceCondition connected(UUID tenantId, boolean wanted) {
        if (connections == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "field 'connected' is not available");
        }
        DeviceCondition live = connections.connected(tenantId, DEVICE_ID);
        return new DeviceCondition((wanted ? "(" : "NOT (") + live.sql() + ")", live.params());
    }

    private DeviceCondition tag(UUID tenantId, Test test, List<Object> values) {
        StringBuilder sql = new StringBuilder("d.id IN (SELECT t.device_id FROM device_tags t WHERE t.tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (test != Test.EXISTS) {
            sql.append(" AND ");
            value(sql, params, "t.tag", true, test, values);
        }
        return new DeviceCondition(sql.append(')').toString(), params);
    }

    private DeviceCondition metadata(UUID tenantId, String key, Test test, List<Object> values) {
        StringBuilder sql = new StringBuilder(
                "d.id IN (SELECT m.device_id FROM device_metadata m WHERE m.tenant_id = ? AND m.key = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), key));
        if (test != Test.EXISTS) {
            sql.append(" AND (");
            metadataValue(sql, params, test, values);
            sql.append(')');
        }
        return new DeviceCondition(sql.append(')').toString(), params);
    }

    /**
     * A typed metadata test: a string (and a prefix) matches string values by code point; a number matches
     * numbers numerically ({@code value_num}) and string values by its text, as before values had types; a
     * boolean matches booleans. The parts for the kinds of literal present are OR-ed.
     */
    private void metadataValue(StringBuilder sql, List<Object> params, Test test, List<Object> values) {
        if (test == Test.PREFIX) {
            sql.append("m.value_type = ? AND ");
            params.add(MetadataValues.STRING);
            value(sql, params, "m.value", true, test, values);
            return;
        }
        List<Object> texts = new ArrayList<>();
        List<Object> numbers = new ArrayList<>();
        List<Object> booleans = new ArrayList<>();
        for (Object v : values) {
            switch (v) {
                case BigDecimal n -> {
                    numbers.add(n.doubleValue());
                    texts.add(n.toString());
                }
                case Boolean b -> booleans.add(b.toString());
                default -> texts.add(String.valueOf(v));
            }
        }
        List<String> parts = new ArrayList<>();
        if (!texts.isEmpty()) {
            parts.add(part(params, MetadataValues.STRING, "m.value", true, test, texts));
        }
        if (!numbers.isEmpty()) {
            parts.add(part(params, null, "m.value_num", false, test, numbers));
        }
        if (!booleans.isEmpty()) {
            parts.add(part(params, MetadataValues.BOOLEAN, "m.value", false, test, booleans));
        }
        sql.append(String.join(" OR ", parts));
    }

    /** {@code (m.value_type = ? AND column test values)}; without a type, {@code column IS NOT NULL AND …}. */
    private String part(List<Object> params, String type, String column, boolean text, Test test,
            List<Object> values) {
        StringBuilder sql = new StringBuilder("(");
        if (type == null) {
            sql.append(column).append(" IS NOT NULL AND ");
        } else {
            sql.append("m.value_type = ? AND ");
            params.add(type);
        }
        value(sql, params, column, text, test, values);
        return sql.append(')').toString();
    }

    /**
     * {@code connected}: every device has a value (a never-connected device is not connected), so EXISTS is
     * always true and {@code = false} is the exact complement of {@code = true}.
     */
    private DeviceCondition connected(UUID tenantId, Test test, List<Object> values) {
        boolean wantTrue = false;
        boolean wantFalse = false;
        for (Object v : values) {
            boolean b = Boolean.parseBoolean(String.valueOf(v));
            wantTrue |= b;
            wantFalse |= !b;
        }
        if (test == Test.EXISTS || wantTrue && wantFalse) {
            return DeviceCondition.all();
        }
        return connected(tenantId, wantTrue);
    }

    /** {@code shadow.reported.PATH}: the shadow feature's condition, parenthesized. */
    private DeviceCondition reported(UUID tenantId, String path, Test test, List<Object> values) {
        if (shadows == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "field 'shadow.reported' is not available");
        }
        DeviceCondition c = shadows.reported(tenantId, DEVICE_ID, List.of(path.split("\\.")), comparison(test),
                values);
        return new DeviceCondition("(" + c.sql() + ")", c.params());
    }

    /** {@code telemetry.METRIC}: the telemetry feature's condition, parenthesized. */
    private DeviceCondition telemetry(UUID tenantId, String metric, Test test, List<Object> values) {
        if (telemetry == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "field 'telemetry' is not available");
        }
        DeviceCondition c = telemetry.latest(tenantId, DEVICE_ID, metric, comparison(test), values);
        return new DeviceCondition("(" + c.sql() + ")", c.params());
    }

    /** {@code sim.FIELD}: the carrier feature's condition, parenthesized. */
    private DeviceCondition sim(UUID tenantId, String field, Test test, List<Object> values) {
        if (sims == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "field 'sim' is not available");
        }
        try {
            DeviceCondition c = sims.sim(tenantId, DEVICE_ID, field, comparison(test), values);
            return new DeviceCondition("(" + c.sql() + ")", c.params());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "sim." + field + ": " + e.getMessage());
        }
    }

    /**
     * {@code template}: EXISTS is the device's own column; a name or id is the template feature's condition on
     * it.
     */
    private DeviceCondition template(UUID tenantId, Test test, List<Object> values) {
        if (test == Test.EXISTS) {
            return new DeviceCondition("d.template_id IS NOT NULL", List.of());
        }
        DeviceTemplates t = templates == null ? null : templates.getIfAvailable();
        if (t == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "field 'template' is not available");
        }
        try {
            DeviceCondition c = t.template(tenantId, "d.template_id", comparison(test), values);
            return new DeviceCondition("(" + c.sql() + ")", c.params());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "template: " + e.getMessage());
        }
    }

    /**
     * {@code sensor.KEY EXISTS} (the device has the sensor), {@code sensor.KEY.FIELD} (its definition), both the
     * template feature's; {@code sensor.KEY} compared with a value is an enabled sensor {@code KEY} whose latest
     * reading, the telemetry feature's {@code telemetry.KEY}, passes the test.
     */
    private DeviceCondition sensor(UUID tenantId, String key, Test test, List<Object> values) {
        DeviceSensors s = sensors == null ? null : sensors.getIfAvailable();
        if (s == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "field 'sensor' is not available");
        }
        int dot = key.indexOf('.');
        String sensorKey = dot < 0 ? key : key.substring(0, dot);
        String field = dot < 0 ? null : key.substring(dot + 1);
        try {
            if (field != null || test == Test.EXISTS) {
                DeviceCondition c = s.sensor(tenantId, DEVICE_ID, sensorKey, field, comparison(test), values);
                return new DeviceCondition("(" + c.sql() + ")", c.params());
            }
            DeviceCondition enabled = s.sensor(tenantId, DEVICE_ID, sensorKey, "enabled",
                    DeviceShadows.Comparison.EQ, List.of(Boolean.TRUE));
            return DeviceCondition.and(enabled, telemetry(tenantId, sensorKey, test, values));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "sensor." + key + ": " + e.getMessage());
        }
    }

    private static DeviceShadows.Comparison comparison(Test test) {
        return switch (test) {
            case EQ -> DeviceShadows.Comparison.EQ;
            case IN -> DeviceShadows.Comparison.IN;
            case LT -> DeviceShadows.Comparison.LT;
            case LE -> DeviceShadows.Comparison.LE;
            case GT -> DeviceShadows.Comparison.GT;
            case GE -> DeviceShadows.Comparison.GE;
            case EXISTS -> DeviceShadows.Comparison.EXISTS;
            case PREFIX -> throw new IllegalArgumentException("a JSON value takes no prefix");
        };
    }

    private DeviceCondition column(DeviceField field, Test test, List<Object> values) {
        String column = DeviceColumns.of(field);
        boolean text = field.kind() == DeviceField.Kind.TEXT;
        StringBuilder sql = new StringBuilder();
        List<Object> params = new ArrayList<>();
        if (test == Test.EXISTS) {
            sql.append(column).append(" IS NOT NULL");
        } else if (field.nullable()) {
            sql.append('(').append(column).append(" IS NOT NULL AND ");
            value(sql, params, column, text, test, values);
            sql.append(')');
        } else {
            value(sql, params, column, text, test, values);
        }
        return new DeviceCondition(sql.toString(), params);
    }

    /** {@code column test value(s)}; {@code text} columns compare by code point. */
    private void value(StringBuilder sql, List<Object> params, String column, boolean text, Test test,
            List<Object> values) {
        switch (test) {
            case PREFIX -> {
                // substr counts characters on both stores; exact where LIKE would differ in case folding.
                String prefix = (String) values.getFirst();
                sql.append("substr(").append(column).append(", 1, ?) = ?");
                params.add(prefix.codePointCount(0, prefix.length()));
                params.add(prefix);
            }
            case EQ -> {
                sql.append(column).append(" = ?");
                params.add(values.getFirst());
            }
            case IN -> {
                sql.append(column).append(" IN (").append(String.join(", ", Collections.nCopies(values.size(), "?")))
                        .append(')');
                params.addAll(values);
            }
            case LT, LE, GT, GE -> {
                sql.append(column);
                if (text && dialect == Dialect.POSTGRESQL) {
                    sql.append(" COLLATE \"C\"");
                }
                sql.append(' ').append(symbol(test)).append(" ?");
                params.add(values.getFirst());
            }
            case EXISTS -> throw new IllegalStateException("not a value test: " + test);
        }
    }

    private static String symbol(Test test) {
        return switch (test) {
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            default -> throw new IllegalStateException("no single operator for " + test);
        };
    }
}
