package io.fleetkeeper.telemetry.internal;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** {@code telemetry_settings}: one row per tenant that changed the defaults. */
@Repository
public class SettingsRepository {

    public record Row(UUID tenantId, int retentionDays, long version, long updatedAt) {
    }

    private final JdbcClient jdbc;

    SettingsRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Row> find(UUID tenantId) {
        return jdbc.sql("SELECT tenant_id, retention_days, version, updated_at FROM telemetry_settings"
                + " WHERE tenant_id = ?").param(tenantId.toString()).query(SettingsRepository::row).optional();
    }

    /** Every tenant's own setting. */
    public List<Row> all() {
        return jdbc.sql("SELECT tenant_id, retention_days, version, updated_at FROM telemetry_settings")
                .query(SettingsRepository::row).list();
    }

    /** Writes version {@code expected + 1}; false when the stored version is no longer {@code expected}. */
    public boolean save(UUID tenantId, int retentionDays, long expected, long now) {
        if (expected == 0) {
            return jdbc.sql("""
                    INSERT INTO telemetry_settings (tenant_id, retention_days, version, updated_at)
                    VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING""")
                    .params(tenantId.toString(), retentionDays, now).update() == 1;
        }
        return jdbc.sql("""
                UPDATE telemetry_settings SET retention_days = ?, version = version + 1, updated_at = ?
                WHERE tenant_id = ? AND version = ?""")
                .params(retentionDays, now, tenantId.toString(), expected).update() == 1;
    }

    private static Row row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new Row(UUID.fromString(rs.getString(1)), rs.getInt(2), rs.getLong(3), rs.getLong(4));
    }
}
