package io.fleetkeeper.provisioning.internal;

import io.fleetkeeper.provisioning.Manifest.Entry;
import io.fleetkeeper.provisioning.Manifest;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Manifests and their entries, one row per shipped serial. */
@Repository
public class ManifestRepository {

    private static final TypeReference<LinkedHashMap<String, String>> META = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final JsonMapper json;
    private final Dialect dialect;

    ManifestRepository(JdbcClient jdbc, JdbcTemplate template, JsonMapper json, Dialect dialect) {
        this.jdbc = jdbc;
        this.template = template;
        this.json = json;
        this.dialect = dialect;
    }

    public void insert(UUID tenantId, Manifest m) {
        jdbc.sql("""
                INSERT INTO manifests (tenant_id, id, name, rows_total, rows_added, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), m.id().toString(), m.name(), m.rowsTotal(), m.rowsAdded(), m.createdBy(),
                        m.createdAt().toEpochMilli())
                .update();
    }

    public void counts(UUID tenantId, UUID id, long total, long added) {
        jdbc.sql("UPDATE manifests SET rows_total = ?, rows_added = ? WHERE tenant_id = ? AND id = ?")
                .params(total, added, tenantId.toString(), id.toString()).update();
    }

    public Optional<Manifest> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM manifests WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(ManifestRepository::manifest).optional();
    }

    /** The tenant's manifests with ids after {@code afterId}, in id (creation) order. */
    public List<Manifest> list(UUID tenantId, UUID afterId, int fetch) {
        return jdbc.sql("SELECT * FROM manifests WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (afterId == null ? Ids.NIL : afterId).toString(), fetch)
                .query(ManifestRepository::manifest).list();
    }

    /** Serials among {@code serials} that some manifest of the tenant already holds. */
    public Set<String> existing(UUID tenantId, Collection<String> serials) {
        Set<String> found = new HashSet<>();
        List<String> all = List.copyOf(serials);
        if (dialect == Dialect.POSTGRESQL) {
            found.addAll(jdbc.sql("SELECT serial FROM manifest_entries WHERE tenant_id = ? AND serial = ANY(?)")
                    .params(tenantId.toString(), new SqlArrayValue("text", all.toArray())).query(String.class).list());
            return found;
        }
        for (int i = 0; i < all.size(); i += 500) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + 500));
            List<Object> params = new ArrayList<>();
            params.add(tenantId.toString());
            params.addAll(chunk);
            found.addAll(jdbc.sql("SELECT serial FROM manifest_entries WHERE tenant_id = ? AND serial IN ("
                    + String.join(",", Collections.nCopies(chunk.size(), "?")) + ")").params(params)
                    .query(String.class).list());
        }
        return found;
    }

    public void insertEntries(UUID tenantId, List<Entry> entries) {
        String tenant = tenantId.toString();
        template.batchUpdate("""
                INSERT INTO manifest_entries (tenant_id, serial, manifest_id, device_type, metadata, line, device_id,
                  template_id)
                VALUES (?, ?, ?, ?, ?, ?, NULL, ?)""", entries, 1000, (ps, e) -> {
                    ps.setString(7, e.templateId() == null ? null : e.templateId().toString());
                    ps.setString(1, tenant);
                    ps.setString(2, e.serial());
                    ps.setString(3, e.manifestId().toString());
                    ps.setString(4, e.deviceType());
                    ps.setString(5, json.writeValueAsString(e.metadata()));
                    ps.setLong(6, e.line());
                });
    }

    public Optional<Entry> entry(UUID tenantId, String serial) {
        return jdbc.sql("SELECT * FROM manifest_entries WHERE tenant_id = ? AND serial = ?")
                .params(tenantId.toString(), serial).query(this::entry).optional();
    }

    public List<Entry> entries(UUID tenantId, UUID manifestId, String afterSerial, int limit) {
        return jdbc.sql("""
                SELECT * FROM manifest_entries WHERE tenant_id = ? AND manifest_id = ? AND serial > ?
                ORDER BY serial LIMIT ?""")
                .params(tenantId.toString(), manifestId.toString(), afterSerial == null ? "" : afterSerial, limit)
                .query(this::entry).list();
    }

    public void bind(UUID tenantId, String serial, UUID deviceId) {
        jdbc.sql("UPDATE manifest_entries SET device_id = ? WHERE tenant_id = ? AND serial = ?")
                .params(deviceId.toString(), tenantId.toString(), serial).update();
    }

    private Entry entry(ResultSet rs, int n) throws SQLException {
        String device = rs.getString("device_id");
        String template = rs.getString("template_id");
        return new Entry(rs.getString("serial"), UUID.fromString(rs.getString("manifest_id")),
                rs.getString("device_type"), json.readValue(rs.getString("metadata"), META), rs.getLong("line"),
                device == null ? null : UUID.fromString(device), template == null ? null : UUID.fromString(template));
    }

    private static Manifest manifest(ResultSet rs, int n) throws SQLException {
        return new Manifest(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getLong("rows_total"),
                rs.getLong("rows_added"), rs.getString("created_by"), Times.instant(rs, "created_at"));
    }
}
