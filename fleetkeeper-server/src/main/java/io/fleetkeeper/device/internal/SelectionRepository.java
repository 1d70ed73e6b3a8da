package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceField;
import io.fleetkeeper.device.DeviceQueries.ValueCount;
import io.fleetkeeper.store.AdHocQueries;
import io.fleetkeeper.store.Dialect;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Counts and aggregations over the devices a condition selects (read only), run through {@link AdHocQueries}:
 * their plans depend on the values.
 */
@Repository
public class SelectionRepository {

    private static final int CHUNK = 500;

    private final AdHocQueries adHoc;
    private final Dialect dialect;
    private final JdbcClient jdbc;

    SelectionRepository(AdHocQueries adHoc, Dialect dialect, JdbcClient jdbc) {
        this.adHoc = adHoc;
        this.dialect = dialect;
        this.jdbc = jdbc;
    }

    /** Which of {@code ids} are devices of the tenant; the ids are sent in chunks of 500 parameters. */
    public Set<String> existingIds(UUID tenantId, Collection<String> ids) {
        List<String> all = List.copyOf(ids);
        Set<String> found = new HashSet<>();
        for (int i = 0; i < all.size(); i += CHUNK) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
            List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
            params.addAll(chunk);
            found.addAll(jdbc.sql("SELECT id FROM devices WHERE tenant_id = ? AND id IN ("
                    + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ")")
                    .params(params).query(String.class).list());
        }
        return found;
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
    public List<ValueCount> aggregate(UUID tenantId, DeviceCondition condition, DeviceField field, String key,
            int limit) {
        List<Object> params = new ArrayList<>();
        String expr;
        String from = "devices d";
        if (field == DeviceField.TAG) {
            expr = "t.tag";
            from += " LEFT JOIN device_tags t ON t.tenant_id = d.tenant_id AND t.device_id = d.id";
        } else if (field == DeviceField.METADATA) {
            expr = "m.value";
            from += " LEFT JOIN device_metadata m ON m.tenant_id = d.tenant_id AND m.device_id = d.id AND m.key = ?";
            params.add(key);
        } else {
            expr = DeviceColumns.of(field);
        }
        String where = where(tenantId, condition, params);
        String order = expr + (field.kind() != DeviceField.Kind.UUID && dialect == Dialect.POSTGRESQL
                ? " COLLATE \"C\"" : "");
        params.add(limit);
        return adHoc.list("SELECT " + expr + " AS v, COUNT(*) AS n FROM " + from + where + " GROUP BY " + expr
                        + " ORDER BY COUNT(*) DESC, " + expr + " IS NULL, " + order + " LIMIT ?", params,
                (rs, n) -> new ValueCount(rs.getString("v"), rs.getLong("n")));
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
