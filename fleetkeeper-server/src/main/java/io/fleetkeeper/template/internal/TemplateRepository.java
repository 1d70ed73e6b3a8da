package io.fleetkeeper.template.internal;

import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Template versions: one row each, the spec as JSON text. */
@Repository
public class TemplateRepository {

    /** A stored template version. */
    public record Row(UUID id, int version, String name, String deviceType, String description, String spec,
            String createdBy, Instant createdAt) {
    }

    private static final String LATEST = """
            SELECT t.* FROM device_templates t WHERE t.tenant_id = ? AND t.version = (SELECT MAX(m.version)
              FROM device_templates m WHERE m.tenant_id = t.tenant_id AND m.id = t.id)""";

    private final JdbcClient jdbc;

    TemplateRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, Row r) {
        jdbc.sql("""
                INSERT INTO device_templates (tenant_id, id, version, name, device_type, description, spec, created_by,
                  created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), r.id().toString(), r.version(), r.name(), r.deviceType(),
                        r.description(), r.spec(), r.createdBy(), r.createdAt().toEpochMilli())
                .update();
    }

    /** Version {@code version} of a template, its latest when null. */
    public Optional<Row> find(UUID tenantId, UUID id, Integer version) {
        if (version == null) {
            return jdbc.sql(LATEST + " AND t.id = ?").params(tenantId.toString(), id.toString()).query(this::map)
                    .optional();
        }
        return jdbc.sql("SELECT * FROM device_templates WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), version).query(this::map).optional();
    }

    public List<Row> versions(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM device_templates WHERE tenant_id = ? AND id = ? ORDER BY version")
                .params(tenantId.toString(), id.toString()).query(this::map).list();
    }

    /** Latest versions by name after {@code afterName}, up to {@code limit}. */
    public List<Row> list(UUID tenantId, String afterName, int limit) {
        return jdbc.sql(LATEST + " AND t.name > ? ORDER BY t.name LIMIT ?")
                .params(tenantId.toString(), afterName, limit).query(this::map).list();
    }

    /** Whether another template's latest version carries {@code name}. */
    public boolean nameTaken(UUID tenantId, String name, UUID except) {
        return jdbc.sql(LATEST + " AND t.name = ? AND t.id <> ?")
                .params(tenantId.toString(), name, except.toString()).query(this::map).optional().isPresent();
    }

    /** The latest version whose name is {@code name}. */
    public Optional<Row> findByName(UUID tenantId, String name) {
        return jdbc.sql(LATEST + " AND t.name = ?").params(tenantId.toString(), name).query(this::map).optional();
    }

    public void delete(UUID tenantId, UUID id) {
        jdbc.sql("DELETE FROM device_templates WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).update();
    }

    private Row map(ResultSet rs, int n) throws SQLException {
        return new Row(UUID.fromString(rs.getString("id")), rs.getInt("version"), rs.getString("name"),
                rs.getString("device_type"), rs.getString("description"), rs.getString("spec"),
                rs.getString("created_by"), Times.instant(rs, "created_at"));
    }
}
