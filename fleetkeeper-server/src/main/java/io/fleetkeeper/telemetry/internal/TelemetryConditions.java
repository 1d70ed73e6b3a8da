package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.device.DeviceTelemetry;
import io.fleetkeeper.store.Dialect;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The SQL behind the fleet query field {@code telemetry.METRIC}: a semi-join on {@code telemetry_latest} (the
 * default stream), so the planner may start from the index on (tenant, metric, stream, num) for a selective test
 * such as {@code telemetry.battery < 20}, or probe the primary key per device. A value compares only with stored
 * values of its own kind: numbers numerically, booleans as 0/1, strings by code point.
 */
@Component
class TelemetryConditions implements DeviceTelemetry {

    private final Dialect dialect;

    TelemetryConditions(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public DeviceCondition latest(UUID tenantId, String deviceId, String metric, Comparison comparison,
            List<Object> values) {
        if (!METRIC.matcher(metric).matches()) {
            throw new IllegalArgumentException("not a metric: " + metric);
        }
        comparison.checkValues(values.size());
        StringBuilder sql = new StringBuilder(deviceId).append(" IN (SELECT l.device_id FROM telemetry_latest l"
                + " WHERE l.tenant_id = ? AND l.metric = ? AND l.stream = ''");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), metric));
        if (comparison != Comparison.EXISTS) {
            sql.append(" AND (");
            for (int i = 0; i < values.size(); i++) {
                sql.append(i == 0 ? "" : " OR ");
                test(sql, params, comparison, values.get(i));
            }
            sql.append(')');
        }
        return new DeviceCondition(sql.append(')').toString(), params);
    }

    private void test(StringBuilder sql, List<Object> params, Comparison comparison, Object v) {
        String op = comparison.operator();
        switch (v) {
            case BigDecimal n -> {
                sql.append("(l.kind = 'n' AND l.num ").append(op).append(" ?)");
                params.add(n.doubleValue());
            }
            case Boolean b when op.equals("=") -> {
                sql.append("(l.kind = 'b' AND l.num = ?)");
                params.add(b ? 1.0 : 0.0);
            }
            case String s -> {
                sql.append("(l.kind = 's' AND l.txt").append(dialect == Dialect.POSTGRESQL ? " COLLATE \"C\" " : " ")
                        .append(op).append(" ?)");
                params.add(s);
            }
            default -> throw new IllegalArgumentException("cannot test " + comparison + " " + v);
        }
    }
}
