package io.fleetkeeper.template.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.store.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The SQL behind the fleet query field {@code template}: the device's template id among the ids of the tenant's
 * templates whose latest version carries one of the names (names are unique among latest versions), or among the
 * ids given. A value that is not a UUID is only a name, so nothing but a UUID reaches an id column.
 */
public final class TemplateConditions {

    private TemplateConditions() {
    }

    public static DeviceCondition template(UUID tenantId, String templateId, Comparison comparison,
            List<Object> values) {
        if (comparison != Comparison.EQ && comparison != Comparison.IN) {
            throw new IllegalArgumentException("a template is tested with =, !=, IN, NOT IN or EXISTS");
        }
        comparison.checkValues(values.size());
        List<Object> names = new ArrayList<>();
        List<Object> ids = new ArrayList<>();
        for (Object v : values) {
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException("a template is named by a quoted name or id");
            }
            names.add(s);
            UUID id = Ids.parseOrNull(s);
            if (id != null) {
                ids.add(id.toString());
            }
        }
        StringBuilder sql = new StringBuilder("(").append(templateId).append(" IS NOT NULL AND (").append(templateId)
                .append(" IN (SELECT t.id FROM device_templates t WHERE t.tenant_id = ? AND t.name IN (")
                .append(marks(names.size())).append(") AND t.version = (SELECT MAX(m.version) FROM device_templates m")
                .append(" WHERE m.tenant_id = t.tenant_id AND m.id = t.id))");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        params.addAll(names);
        if (!ids.isEmpty()) {
            sql.append(" OR ").append(templateId).append(" IN (").append(marks(ids.size())).append(')');
            params.addAll(ids);
        }
        return new DeviceCondition(sql.append("))").toString(), params);
    }

    private static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
