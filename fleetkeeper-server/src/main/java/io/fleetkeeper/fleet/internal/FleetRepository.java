package io.fleetkeeper.fleet.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.fleet.Aggregate.Bucket;
import io.fleetkeeper.store.AdHocQueries;
import io.fleetkeeper.store.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Repository;

/** Counts and aggregations over the devices a compiled query selects (read only). */
@Repository
public class FleetRepository {

    private final AdHocQueries adHoc;
    private final Dialect dialect;

    FleetRepository(AdHocQueries adHoc, Dialect dialect) {
        this.adHoc = adHoc;
        this.dialect = dialect;
    }

    public long count(UUID tenantId, DeviceCondition condition) {
        List<Object> params = new ArrayList<>();
        String where = where(tenantId, condition, params);
        return adHoc.count("SELECT COUNT(*) FROM devices d" + where, params);
    }

    /**
     * Up to {@code limit} buckets of {@code field} (with {@code key} for metadata), most devices first. The
     * grouped expression comes from the field whitelist; the metadata key is bound.
     */
    public List<Bucket> aggregate(UUID tenantId, DeviceCondition condition, QueryField field, String key,
            int limit) {
        List<Object> params = new ArrayList<>();
        String expr;
        String from = "devices d";
        if (field == QueryField.TAG) {
            expr = "t.tag";
            from += " LEFT JOIN device_tags t ON t.tenant_id = d.tenant_id AND t.device_id = d.id";
        } else if (field == QueryField.METADATA) {
            expr = "m.value";
            from += " LEFT JOIN device_metadata m ON m.tenant_id = d.tenant_id AND m.device_id = d.id AND m.key = ?";
            params.add(key);
        } else {
            expr = field.column();
        }
        String where = where(tenantId, condition, params);
        String order = expr + (field.kind() != QueryField.Kind.UUID && dialect == Dialect.POSTGRESQL
                ? " COLLATE \"C\"" : "");
        params.add(limit);
        return adHoc.list("SELECT " + expr + " AS v, COUNT(*) AS n FROM " + from + where + " GROUP BY " + expr
                        + " ORDER BY COUNT(*) DESC, " + expr + " IS NULL, " + order + " LIMIT ?", params,
                (rs, n) -> new Bucket(rs.getString("v"), rs.getLong("n")));
    }

    private static String where(UUID tenantId, DeviceCondition condition, List<Object> params) {
        params.add(tenantId.toString());
        if (condition == null) {
            return " WHERE d.tenant_id = ?";
        }
        params.addAll(condition.params());
        return " WHERE d.tenant_id = ? AND (" + condition.sql() + ")";
    }
}
