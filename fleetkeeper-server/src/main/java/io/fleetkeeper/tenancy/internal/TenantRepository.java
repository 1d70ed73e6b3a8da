package io.fleetkeeper.tenancy.internal;

import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Tenant;
import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class TenantRepository {

    private final JdbcClient jdbc;

    TenantRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(Tenant t) {
        jdbc.sql("INSERT INTO tenants (id, name, status, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?)")
                .params(t.id().toString(), t.name(), t.status().name(), Times.millis(t.createdAt()),
                        Times.millis(t.updatedAt()), t.version())
                .update();
    }

    public boolean nameTaken(String name) {
        return jdbc.sql("SELECT COUNT(*) FROM tenants WHERE name = ?").param(name).query(Long.class).single() > 0;
    }

    public Optional<Tenant> find(UUID id) {
        return jdbc.sql("SELECT * FROM tenants WHERE id = ?").param(id.toString()).query(TenantRepository::map)
                .optional();
    }

    public Optional<Tenant> findByName(String name) {
        return jdbc.sql("SELECT * FROM tenants WHERE name = ?").param(name).query(TenantRepository::map).optional();
    }

    public List<Tenant> page(String afterName, int fetch) {
        return jdbc.sql("SELECT * FROM tenants WHERE name > ? ORDER BY name LIMIT ?")
                .params(afterName == null ? "" : afterName, fetch).query(TenantRepository::map).list();
    }

    public boolean updateStatus(UUID id, TenantStatus status, long now) {
        return jdbc.sql("UPDATE tenants SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?")
                .params(status.name(), now, id.toString()).update() == 1;
    }

    private static Tenant map(ResultSet rs, int n) throws SQLException {
        return new Tenant(UUID.fromString(rs.getString("id")), rs.getString("name"),
                TenantStatus.valueOf(rs.getString("status")), Times.instant(rs, "created_at"),
                Times.instant(rs, "updated_at"), rs.getLong("version"));
    }
}
