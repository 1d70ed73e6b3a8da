package io.fleetkeeper.device.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.store.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Builds the parameterized keyset query behind the device list. Values are only ever bound as
 * parameters; column names come from the fixed sort table below.
 */
public final class DeviceListQuery {

    /** A sortable column and how to read its key from a device. */
    private record Sort(String column, Function<Device, String> key) {
    }

    private static final Map<String, Sort> SORTS = Map.of(
            "id", new Sort("id", d -> d.id().toString()),
            "name", new Sort("name", Device::name),
            "serial", new Sort("serial", Device::serial));

    private final StringBuilder sql = new StringBuilder("SELECT * FROM devices d WHERE d.tenant_id = ?");
    private final List<Object> params = new ArrayList<>();
    private final String sortName;
    private final Sort sort;
    private final boolean descending;

    public DeviceListQuery(UUID tenantId, DeviceFilter f, String cursor, int limit) {
        params.add(tenantId.toString());
        String s = f.sort() == null || f.sort().isBlank() ? "id" : f.sort();
        descending = s.startsWith("-");
        String name = descending ? s.substring(1) : s;
        sort = SORTS.get(name);
        if (sort == null) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "sort must be one of id, name, serial (prefix - for "
                    + "descending)");
        }
        sortName = s;
        eq("d.device_type", f.type());
        eq("d.status", f.status() == null ? null : f.status().name());
        eq("d.site_id", f.site());
        eq("d.firmware_version", f.firmware());
        eq("d.identity_status", f.identityStatus());
        if (f.serialPrefix() != null && !f.serialPrefix().isEmpty()) {
            sql.append(" AND d.serial >= ? AND d.serial < ?");
            params.add(f.serialPrefix());
            params.add(f.serialPrefix() + "\u007f");
        }
        if (f.lastSeenFrom() != null) {
            sql.append(" AND d.last_seen_at >= ?");
            params.add(f.lastSeenFrom().toEpochMilli());
        }
        if (f.lastSeenTo() != null) {
            sql.append(" AND d.last_seen_at < ?");
            params.add(f.lastSeenTo().toEpochMilli());
        }
        if (f.tags() != null) {
            for (String tag : f.tags()) {
                // IN (subquery) lets SQLite drive from the (tenant, tag, device) index; PostgreSQL plans it as
                // the same semi-join as EXISTS.
                sql.append(" AND d.id IN (SELECT t.device_id FROM device_tags t WHERE t.tenant_id = ? AND t.tag = ?)");
                params.add(tenantId.toString());
                params.add(tag);
            }
        }
        if (f.metadata() != null) {
            f.metadata().forEach((k, v) -> {
                sql.append(" AND d.id IN (SELECT m.device_id FROM device_metadata m WHERE m.tenant_id = ?"
                        + " AND m.key = ? AND m.value = ?)");
                params.add(tenantId.toString());
                params.add(k);
                params.add(v);
            });
        }
        if (f.condition() != null) {
            sql.append(" AND (").append(f.condition().sql()).append(')');
            params.addAll(f.condition().params());
        }
        keyset(Cursor.decode(cursor, sortName));
        String dir = descending ? " DESC" : "";
        sql.append(" ORDER BY d.").append(sort.column()).append(dir);
        if (!sort.column().equals("id")) {
            sql.append(", d.id").append(dir);
        }
        sql.append(" LIMIT ?");
        params.add(limit + 1);
    }

    private void eq(String column, String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            params.add(value);
        }
    }

    private void keyset(Cursor c) {
        if (c == null) {
            return;
        }
        if (Ids.parseOrNull(c.id()) == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid for this listing and sort");
        }
        String op = descending ? "<" : ">";
        if (sort.column().equals("id")) {
            sql.append(" AND d.id ").append(op).append(" ?");
            params.add(c.id());
            return;
        }
        String col = "d." + sort.column();
        // serial may be NULL; NULL keys sort as the empty string so the cursor stays total.
        if (sort.column().equals("serial")) {
            col = "COALESCE(d.serial, '')";
        }
        sql.append(" AND (").append(col).append(' ').append(op).append(" ? OR (").append(col)
                .append(" = ? AND d.id ").append(op).append(" ?))");
        String key = c.key() == null ? "" : c.key();
        params.add(key);
        params.add(key);
        params.add(c.id());
    }

    public String sql() {
        if (sort.column().equals("serial")) {
            return sql.toString().replace("ORDER BY d.serial", "ORDER BY COALESCE(d.serial, '')");
        }
        return sql.toString();
    }

    public List<Object> params() {
        return params;
    }

    public Cursor cursorOf(Device d) {
        String key = sort.key().apply(d);
        return new Cursor(sortName, key == null ? "" : key, d.id().toString());
    }
}
