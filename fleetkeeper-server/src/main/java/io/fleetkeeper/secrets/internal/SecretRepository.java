package io.fleetkeeper.secrets.internal;

import io.fleetkeeper.secrets.SecretType;
import io.fleetkeeper.secrets.SecretVersion;
import io.fleetkeeper.store.Times;
import jakarta.annotation.Nullable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code device_secrets} slots and their {@code device_secret_versions}; values only ever sealed. */
@Repository
public class SecretRepository {

    /** A slot row. */
    public record Slot(UUID deviceId, String slot, SecretType type, @Nullable String description,
            boolean deviceReadable, @Nullable Integer activeVersion, int latestVersion, long version,
            Instant createdAt, Instant updatedAt) {
    }

    /** A version row, with its sealed value (which never leaves this feature). */
    public record StoredVersion(SecretVersion meta, String sealedValue) {

        @Override
        public String toString() {
            return "StoredVersion[" + meta + "]";
        }
    }

    private static final String SLOT_COLUMNS = "device_id, slot, type, description, device_readable, "
            + "active_version, latest_version, version, created_at, updated_at";

    private final JdbcClient jdbc;

    SecretRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insertSlot(UUID tenantId, Slot s) {
        jdbc.sql("INSERT INTO device_secrets (tenant_id, " + SLOT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), s.deviceId().toString(), s.slot(), s.type().name(), s.description(),
                        s.deviceReadable(), s.activeVersion(), s.latestVersion(), s.version(),
                        s.createdAt().toEpochMilli(), s.updatedAt().toEpochMilli())
                .update();
    }

    public void insertVersion(UUID tenantId, UUID deviceId, String slot, SecretVersion v, String sealedValue) {
        jdbc.sql("""
                INSERT INTO device_secret_versions (tenant_id, device_id, slot, version, status, sealed_value,
                  public_key, fingerprint, expires_at, created_by, created_at, ended_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)""")
                .params(tenantId.toString(), deviceId.toString(), slot, v.version(), v.status(), sealedValue,
                        v.publicKey(), v.fingerprint(), Times.millis(v.expiresAt()), v.createdBy(),
                        v.createdAt().toEpochMilli())
                .update();
    }

    public Optional<Slot> find(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("SELECT " + SLOT_COLUMNS + " FROM device_secrets WHERE tenant_id = ? AND device_id = ? "
                + "AND slot = ?").params(tenantId.toString(), deviceId.toString(), slot)
                .query(SecretRepository::slot).optional();
    }

    /** The device's slots in slot-name order, after {@code after} (null: from the first). */
    public List<Slot> list(UUID tenantId, UUID deviceId, @Nullable String after, int fetch) {
        return jdbc.sql("SELECT " + SLOT_COLUMNS + " FROM device_secrets WHERE tenant_id = ? AND device_id = ? "
                + "AND slot > ? ORDER BY slot LIMIT ?")
                .params(tenantId.toString(), deviceId.toString(), after == null ? "" : after, fetch)
                .query(SecretRepository::slot).list();
    }

    /** The latest version of each slot {@link #list} returns for the same arguments, by slot. */
    public java.util.Map<String, SecretVersion> latestOfList(UUID tenantId, UUID deviceId, @Nullable String after,
            int fetch) {
        java.util.Map<String, SecretVersion> bySlot = new java.util.HashMap<>();
        jdbc.sql("""
                SELECT v.* FROM device_secrets s JOIN device_secret_versions v ON v.tenant_id = s.tenant_id
                  AND v.device_id = s.device_id AND v.slot = s.slot AND v.version = s.latest_version
                WHERE s.tenant_id = ? AND s.device_id = ? AND s.slot > ? ORDER BY s.slot LIMIT ?""")
                .params(tenantId.toString(), deviceId.toString(), after == null ? "" : after, fetch)
                .query((rs, n) -> bySlot.put(rs.getString("slot"), version(rs, n).meta())).list();
        return bySlot;
    }

    /**
     * Moves the slot to a new state if it is still at {@code expectedVersion}; false when another writer got
     * there first.
     */
    public boolean updateSlot(UUID tenantId, UUID deviceId, String slot, @Nullable Integer activeVersion,
            int latestVersion, long expectedVersion, long now) {
        return jdbc.sql("""
                UPDATE device_secrets SET active_version = ?, latest_version = ?, version = version + 1,
                  updated_at = ?
                WHERE tenant_id = ? AND device_id = ? AND slot = ? AND version = ?""")
                .params(activeVersion, latestVersion, now, tenantId.toString(), deviceId.toString(), slot,
                        expectedVersion)
                .update() == 1;
    }

    /** Changes the slot's settings if it is still at {@code expectedVersion}; false when another writer won. */
    public boolean updateSettings(UUID tenantId, UUID deviceId, String slot, @Nullable String description,
            boolean deviceReadable, long expectedVersion, long now) {
        return jdbc.sql("""
                UPDATE device_secrets SET description = ?, device_readable = ?, version = version + 1, updated_at = ?
                WHERE tenant_id = ? AND device_id = ? AND slot = ? AND version = ?""")
                .params(description, deviceReadable, now, tenantId.toString(), deviceId.toString(), slot,
                        expectedVersion)
                .update() == 1;
    }

    /** Ends an ACTIVE version as SUPERSEDED or REVOKED. */
    public void endVersion(UUID tenantId, UUID deviceId, String slot, int version, String status, long now) {
        jdbc.sql("""
                UPDATE device_secret_versions SET status = ?, ended_at = ?
                WHERE tenant_id = ? AND device_id = ? AND slot = ? AND version = ? AND status = 'ACTIVE'""")
                .params(status, now, tenantId.toString(), deviceId.toString(), slot, version).update();
    }

    public List<StoredVersion> versions(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("SELECT * FROM device_secret_versions WHERE tenant_id = ? AND device_id = ? AND slot = ? "
                + "ORDER BY version").params(tenantId.toString(), deviceId.toString(), slot)
                .query(SecretRepository::version).list();
    }

    public Optional<StoredVersion> version(UUID tenantId, UUID deviceId, String slot, int version) {
        return jdbc.sql("SELECT * FROM device_secret_versions WHERE tenant_id = ? AND device_id = ? AND slot = ? "
                + "AND version = ?").params(tenantId.toString(), deviceId.toString(), slot, version)
                .query(SecretRepository::version).optional();
    }

    /** Every slot of the device (for decommission and purge). */
    public List<Slot> forDevice(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT " + SLOT_COLUMNS + " FROM device_secrets WHERE tenant_id = ? AND device_id = ? "
                + "ORDER BY slot").params(tenantId.toString(), deviceId.toString())
                .query(SecretRepository::slot).list();
    }

    /** Deletes a slot with its versions; false when it was not there. */
    public boolean delete(UUID tenantId, UUID deviceId, String slot) {
        jdbc.sql("DELETE FROM device_secret_versions WHERE tenant_id = ? AND device_id = ? AND slot = ?")
                .params(tenantId.toString(), deviceId.toString(), slot).update();
        return jdbc.sql("DELETE FROM device_secrets WHERE tenant_id = ? AND device_id = ? AND slot = ?")
                .params(tenantId.toString(), deviceId.toString(), slot).update() == 1;
    }

    private static Slot slot(ResultSet rs, int n) throws SQLException {
        return new Slot(UUID.fromString(rs.getString("device_id")), rs.getString("slot"),
                SecretType.valueOf(rs.getString("type")), rs.getString("description"),
                rs.getBoolean("device_readable"), (Integer) intOrNull(rs, "active_version"),
                rs.getInt("latest_version"), rs.getLong("version"), Times.instant(rs, "created_at"),
                Times.instant(rs, "updated_at"));
    }

    private static StoredVersion version(ResultSet rs, int n) throws SQLException {
        return new StoredVersion(new SecretVersion(rs.getInt("version"), rs.getString("status"),
                rs.getString("fingerprint"), rs.getString("public_key"), Times.instant(rs, "expires_at"),
                Times.instant(rs, "created_at"), rs.getString("created_by"), Times.instant(rs, "ended_at")),
                rs.getString("sealed_value"));
    }

    private static Integer intOrNull(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }
}
