package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceIdQuery;
import io.fleetkeeper.store.AdHocQueries;
import io.fleetkeeper.store.CopyIn;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Devices and their index tables. Tags and metadata live twice: as JSON in the device row (one-row
 * reads) and as rows in {@code device_tags} / {@code device_metadata} (indexed filters); this class
 * keeps the two in step.
 */
@Repository
public class DeviceRepository {

    private static final TypeReference<List<String>> TAGS = new TypeReference<>() { };
    private static final TypeReference<LinkedHashMap<String, Object>> META = new TypeReference<>() { };
    private static final String INSERT_METADATA = """
            INSERT INTO device_metadata (tenant_id, device_id, key, value, value_type, value_num)
            VALUES (?, ?, ?, ?, ?, ?)""";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final JsonMapper json;
    private final Dialect dialect;
    private final AdHocQueries adHoc;

    private final CopyIn copy;

    DeviceRepository(JdbcClient jdbc, JdbcTemplate template, JsonMapper json, Dialect dialect, AdHocQueries adHoc,
            CopyIn copy) {
        this.adHoc = adHoc;
        this.copy = copy;
        this.jdbc = jdbc;
        this.template = template;
        this.json = json;
        this.dialect = dialect;
    }

    private static final String DEVICE_COLUMNS = """
            tenant_id, id, name, device_type, serial, status, firmware_version,
              hardware_revision, site_id, tags, metadata, registered_at, last_seen_at, updated_at, version,
              identity_status, icon, icon_color, template_id, template_version, parent_device_id""";

    /**
     * Inserts new devices with their tag and metadata rows. On PostgreSQL a batch of several devices goes in
     * through {@code COPY} (the rows are checked beforehand, as for {@code INSERT}; a serial taken meanwhile
     * fails the whole batch with a {@link org.springframework.dao.DuplicateKeyException}, as a batched
     * {@code INSERT} does).
     */
    public void insertAll(UUID tenantId, List<Device> devices) {
        String tenant = tenantId.toString();
        List<Object[]> rows = new ArrayList<>(devices.size());
        for (Device d : devices) {
            rows.add(new Object[] {tenant, d.id().toString(), d.name(), d.deviceType(), d.serial(),
                d.status().name(), d.firmwareVersion(), d.hardwareRevision(),
                d.site() == null ? null : d.site().toString(), json.writeValueAsString(d.tags()),
                json.writeValueAsString(d.metadata()), d.registeredAt().toEpochMilli(), Times.millis(d.lastSeenAt()),
                d.updatedAt().toEpochMilli(), d.version(), d.identityStatus(), d.icon(), d.iconColor(),
                d.templateId() == null ? null : d.templateId().toString(), d.templateVersion(),
                d.parentDeviceId() == null ? null : d.parentDeviceId().toString()});
        }
        List<Object[]> meta = new ArrayList<>();
        List<Object[]> tags = new ArrayList<>();
        for (Device d : devices) {
            String id = d.id().toString();
            d.metadata().forEach((k, v) -> meta.add(new Object[] {tenant, id, k, MetadataValues.text(v),
                MetadataValues.type(v), MetadataValues.number(v)}));
            d.tags().forEach(t -> tags.add(new Object[] {tenant, id, t}));
        }
        if (dialect == Dialect.POSTGRESQL && devices.size() > 1) {
            copy.in("devices", DEVICE_COLUMNS, rows);
            copy.in("device_metadata", "tenant_id, device_id, key, value, value_type, value_num", meta);
            copy.in("device_tags", "tenant_id, device_id, tag", tags);
            return;
        }
        template.batchUpdate("INSERT INTO devices (" + DEVICE_COLUMNS + """
                ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows, 500, DeviceRepository::bind);
        if (!meta.isEmpty()) {
            template.batchUpdate(INSERT_METADATA, meta, 1000, DeviceRepository::bind);
        }
        if (!tags.isEmpty()) {
            template.batchUpdate("INSERT INTO device_tags (tenant_id, device_id, tag) VALUES (?, ?, ?)", tags, 1000,
                    DeviceRepository::bind);
        }
    }

    private static void bind(java.sql.PreparedStatement ps, Object[] row) throws SQLException {
        for (int i = 0; i < row.length; i++) {
            ps.setObject(i + 1, row[i]);
        }
    }

    public Optional<Device> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM devices WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(this::map).optional();
    }

    /** The device's lifecycle status alone (one column, no row mapping); empty when there is no such device. */
    public Optional<DeviceStatus> status(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT status FROM devices WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(String.class).optional().map(DeviceStatus::valueOf);
    }

    /** Writes a changed device when its stored version is still {@code expectedVersion}. */
    public boolean update(UUID tenantId, Device d, long expectedVersion, boolean tagsChanged, boolean metaChanged) {
        int n = jdbc.sql("""
                UPDATE devices SET name = ?, device_type = ?, serial = ?, status = ?, firmware_version = ?,
                  hardware_revision = ?, site_id = ?, icon = ?, icon_color = ?, tags = ?, metadata = ?,
                  updated_at = ?, version = ?, template_id = ?, template_version = ?, parent_device_id = ?
                WHERE tenant_id = ? AND id = ? AND version = ?""")
                .params(d.name(), d.deviceType(), d.serial(), d.status().name(), d.firmwareVersion(),
                        d.hardwareRevision(), d.site() == null ? null : d.site().toString(), d.icon(), d.iconColor(),
                        json.writeValueAsString(d.tags()), json.writeValueAsString(d.metadata()),
                        d.updatedAt().toEpochMilli(), d.version(), text(d.templateId()), d.templateVersion(),
                        text(d.parentDeviceId()), tenantId.toString(), d.id().toString(),
                        expectedVersion)
                .update();
        if (n == 1) {
            String tenant = tenantId.toString();
            String id = d.id().toString();
            if (metaChanged) {
                jdbc.sql("DELETE FROM device_metadata WHERE tenant_id = ? AND device_id = ?").params(tenant, id)
                        .update();
                d.metadata().forEach((k, v) -> jdbc.sql(INSERT_METADATA).params(tenant, id, k,
                        MetadataValues.text(v), MetadataValues.type(v), MetadataValues.number(v)).update());
            }
            if (tagsChanged) {
                jdbc.sql("DELETE FROM device_tags WHERE tenant_id = ? AND device_id = ?").params(tenant, id).update();
                d.tags().forEach(t -> jdbc.sql("INSERT INTO device_tags (tenant_id, device_id, tag) VALUES (?, ?, ?)")
                        .params(tenant, id, t).update());
            }
        }
        return n == 1;
    }

    /** Sets the derived identity status; returns the previous one, or null when the device does not exist. */
    public String setIdentityStatus(UUID tenantId, UUID id, String status) {
        String before = jdbc.sql("SELECT identity_status FROM devices WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(String.class).optional().orElse(null);
        if (before != null && !before.equals(status)) {
            jdbc.sql("UPDATE devices SET identity_status = ? WHERE tenant_id = ? AND id = ?")
                    .params(status, tenantId.toString(), id.toString()).update();
        }
        return before;
    }

    /**
     * Moves {@code last_seen_at} forward (never back) for each device, and makes a device that is not ONLINE due
     * for health evaluation; unknown ids change nothing.
     */
    public void touchLastSeen(UUID tenantId, Map<UUID, Long> lastSeen) {
        String tenant = tenantId.toString();
        // Sorted, so two concurrent batches lock rows in the same order on PostgreSQL.
        List<Map.Entry<UUID, Long>> rows = List.copyOf(new java.util.TreeMap<>(lastSeen).entrySet());
        template.batchUpdate("""
                UPDATE devices SET last_seen_at = ?,
                  health_due_at = CASE WHEN health = 'ONLINE' THEN health_due_at ELSE ? END
                WHERE tenant_id = ? AND id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)""", rows, 1000,
                (ps, e) -> {
                    ps.setLong(1, e.getValue());
                    ps.setLong(2, e.getValue());
                    ps.setString(3, tenant);
                    ps.setString(4, e.getKey().toString());
                    ps.setLong(5, e.getValue());
                });
    }

    public void delete(UUID tenantId, UUID id) {
        String tenant = tenantId.toString();
        String device = id.toString();
        for (String table : List.of("device_metadata", "device_tags", "device_events")) {
            jdbc.sql("DELETE FROM " + table + " WHERE tenant_id = ? AND device_id = ?").params(tenant, device)
                    .update();
        }
        jdbc.sql("DELETE FROM devices WHERE tenant_id = ? AND id = ?").params(tenant, device).update();
    }

    /**
     * The device type of each of {@code ids} that exists ({@code null} value: no type), read in one statement per
     * 500 ids without parsing the rest of the row.
     */
    public Map<UUID, String> types(UUID tenantId, Collection<UUID> ids) {
        Map<UUID, String> found = new java.util.HashMap<>();
        List<UUID> all = List.copyOf(ids);
        for (int i = 0; i < all.size(); i += 500) {
            List<UUID> chunk = all.subList(i, Math.min(all.size(), i + 500));
            String marks = String.join(",", java.util.Collections.nCopies(chunk.size(), "?"));
            List<Object> params = new ArrayList<>();
            params.add(tenantId.toString());
            chunk.forEach(id -> params.add(id.toString()));
            jdbc.sql("SELECT id, device_type FROM devices WHERE tenant_id = ? AND id IN (" + marks + ")")
                    .params(params).query((ResultSet rs) -> {
                        found.put(UUID.fromString(rs.getString(1)), rs.getString(2));
                    });
        }
        return found;
    }

    public boolean serialTaken(UUID tenantId, String serial, UUID except) {
        return jdbc.sql("SELECT COUNT(*) FROM devices WHERE tenant_id = ? AND serial = ? AND id <> ?")
                .params(tenantId.toString(), serial, (except == null ? Ids.NIL : except).toString())
                .query(Long.class).single() > 0;
    }

    public Set<String> existingSerials(UUID tenantId, Collection<String> serials) {
        Set<String> found = new HashSet<>();
        List<String> all = List.copyOf(serials);
        if (dialect == Dialect.POSTGRESQL) {
            // One array parameter: the generic plan always uses devices_serial, whatever the table size was
            // when the statement was first planned (an IN list of 500 literals did not, see docs/benchmarks.md).
            found.addAll(jdbc.sql("SELECT serial FROM devices WHERE tenant_id = ? AND serial = ANY(?)")
                    .params(tenantId.toString(), new SqlArrayValue("text", all.toArray()))
                    .query(String.class).list());
            return found;
        }
        for (int i = 0; i < all.size(); i += 500) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + 500));
            String marks = String.join(",", java.util.Collections.nCopies(chunk.size(), "?"));
            List<Object> params = new ArrayList<>();
            params.add(tenantId.toString());
            params.addAll(chunk);
            found.addAll(jdbc.sql("SELECT serial FROM devices WHERE tenant_id = ? AND serial IN (" + marks + ")")
                    .params(params).query(String.class).list());
        }
        return found;
    }

    /**
     * The ids of devices matching {@code c} after {@code after}, registered at or before {@code registeredBy}, as
     * a query: one column {@code id}, in id order.
     */
    public DeviceIdQuery matchingIdsQuery(UUID tenantId, DeviceCondition c,
            UUID after, Long registeredBy, int limit) {
        StringBuilder sql = new StringBuilder("SELECT d.id FROM devices d WHERE d.tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (after != null) {
            sql.append(" AND d.id > ?");
            params.add(after.toString());
        }
        if (registeredBy != null) {
            sql.append(" AND d.registered_at <= ?");
            params.add(registeredBy);
        }
        if (c != null) {
            sql.append(" AND (").append(c.sql()).append(')');
            params.addAll(c.params());
        }
        sql.append(" ORDER BY d.id LIMIT ?");
        params.add(limit);
        return new DeviceIdQuery(sql.toString(), params);
    }

    public List<Device> query(String sql, List<Object> params) {
        return adHoc.list(sql, params, this::map);
    }

    Device map(ResultSet rs, int n) throws SQLException {
        String site = rs.getString("site_id");
        String template = rs.getString("template_id");
        String parent = rs.getString("parent_device_id");
        Object templateVersion = rs.getObject("template_version");
        return new Device(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getString("device_type"),
                rs.getString("serial"), DeviceStatus.valueOf(rs.getString("status")), rs.getString("identity_status"), rs.getString("health"),
                rs.getString("firmware_version"), rs.getString("hardware_revision"),
                site == null ? null : UUID.fromString(site), rs.getString("icon"), rs.getString("icon_color"),
                json.readValue(rs.getString("tags"), TAGS),
                MetadataValues.normalizeAll(json.readValue(rs.getString("metadata"), META)), Times.instant(rs, "registered_at"),
                Times.instant(rs, "last_seen_at"), Times.instant(rs, "updated_at"), rs.getLong("version"),
                template == null ? null : UUID.fromString(template),
                templateVersion == null ? null : ((Number) templateVersion).intValue(),
                parent == null ? null : UUID.fromString(parent));
    }

    private static String text(UUID id) {
        return id == null ? null : id.toString();
    }

    /** The gateway of a device, or null (none, or no such device). */
    public UUID parentOf(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT parent_device_id FROM devices WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query((rs, n) -> rs.getString(1)).optional()
                .map(UUID::fromString).orElse(null);
    }

    /**
     * Whether {@code child} is an active device whose gateway is {@code gateway}, in whichever tenant (a gateway is
     * always of its children's tenant); the index {@code devices_child}.
     */
    public boolean isActiveChild(UUID gateway, UUID child) {
        return jdbc.sql("SELECT COUNT(*) FROM devices WHERE parent_device_id = ? AND id = ? AND status = ?")
                .params(gateway.toString(), child.toString(), DeviceStatus.ACTIVE.name()).query(Long.class)
                .single() > 0;
    }

    /** Up to {@code limit} ids of the devices whose gateway is {@code id}, in id order. */
    public List<UUID> children(UUID tenantId, UUID id, int limit) {
        return jdbc.sql("SELECT id FROM devices WHERE tenant_id = ? AND parent_device_id = ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), id.toString(), limit).query((rs, n) -> UUID.fromString(rs.getString(1)))
                .list();
    }

    /** Whether any device names {@code id} as its gateway. */
    public boolean hasChildren(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT COUNT(*) FROM devices WHERE tenant_id = ? AND parent_device_id = ?")
                .params(tenantId.toString(), id.toString()).query(Long.class).single() > 0;
    }

    /** How many devices were created from (or upgraded to) any version of template {@code id}. */
    public long countByTemplate(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT COUNT(*) FROM devices WHERE tenant_id = ? AND template_id = ?")
                .params(tenantId.toString(), id.toString()).query(Long.class).single();
    }
}
