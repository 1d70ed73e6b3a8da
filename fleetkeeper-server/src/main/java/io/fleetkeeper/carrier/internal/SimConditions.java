package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.device.DeviceSims;
import io.fleetkeeper.store.Dialect;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The SQL behind the fleet query fields {@code sim.FIELD}: a semi-join on {@code device_sims} (the primary key
 * starts with the tenant). {@code sim.carrier} reads the integration's carrier; {@code sim.data_used_mb} compares
 * the stored bytes with the value times 1,048,576.
 */
@Component
class SimConditions implements DeviceSims {

    private static final Map<String, String> COLUMNS = Map.of("status", "s.sim_status", "network_status",
            "s.network_status", "iccid", "s.iccid", "plan", "s.plan", "carrier", "i.carrier");

    private final Dialect dialect;

    SimConditions(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public DeviceCondition sim(UUID tenantId, String deviceId, String field, Comparison comparison,
            List<Object> values) {
        if (!FIELDS.contains(field)) {
            throw new IllegalArgumentException("not a SIM field: " + field);
        }
        comparison.checkValues(values.size());
        boolean numeric = field.equals("data_used_mb");
        String column = numeric ? "s.data_used_bytes" : COLUMNS.get(field);
        StringBuilder sql = new StringBuilder(deviceId).append(" IN (SELECT s.device_id FROM device_sims s");
        if (field.equals("carrier")) {
            sql.append(" JOIN carrier_integrations i ON i.tenant_id = s.tenant_id AND i.id = s.integration_id");
        }
        sql.append(" WHERE s.tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (comparison == Comparison.EXISTS) {
            sql.append(" AND ").append(column).append(" IS NOT NULL");
        } else {
            sql.append(" AND (");
            for (int i = 0; i < values.size(); i++) {
                sql.append(i == 0 ? "" : " OR ");
                Object v = values.get(i);
                if (numeric != v instanceof BigDecimal || !numeric && !(v instanceof String)) {
                    throw new IllegalArgumentException(numeric ? "compares with a number, e.g. sim.data_used_mb > 100"
                            : "compares with a quoted string, e.g. sim." + field + " = \"ACTIVE\"");
                }
                sql.append(column).append(!numeric && dialect == Dialect.POSTGRESQL ? " COLLATE \"C\" " : " ")
                        .append(comparison.operator()).append(" ?");
                params.add(numeric ? ((BigDecimal) v).multiply(BigDecimal.valueOf(1L << 20)).doubleValue() : v);
            }
            sql.append(')');
        }
        return new DeviceCondition(sql.append(')').toString(), params);
    }
}
