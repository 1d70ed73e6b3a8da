package io.fleetkeeper.shadow.internal;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code shadows} and {@code shadow_history} tables. The classic shadow is stored under the name ''. */
@Repository
public class ShadowRepository {

    /** A stored row: the version counter, and the document (null when the shadow was deleted). */
    public record Row(String name, long version, String document, long updatedAt) {
    }

    /** A past version; document null when that version was a delete. */
    public record Past(long version, String document, String actor, long at) {
    }

    /**
     * Older versions are deleted when a version is a multiple of this, not at every write: the history holds
     * between {@code keep} and {@code keep + TRIM_EVERY - 1} rows of a shadow, and reads show the newest {@code keep}.
     */
    static final int TRIM_EVERY = 8;

    private final JdbcClient jdbc;

    ShadowRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Row> find(UUID tenantId, UUID deviceId, String name) {
        return jdbc.sql("""
                SELECT name, version, document, updated_at FROM shadows
                WHERE tenant_id = ? AND device_id = ? AND name = ?""")
                .params(tenantId.toString(), deviceId.toString(), name)
                .query((rs, n) -> new Row(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4)))
                .optional();
    }

    /** The device's live shadows (not deleted), classic first. */
    public List<Row> list(UUID tenantId, UUID deviceId) {
        return jdbc.sql("""
                SELECT name, version, document, updated_at FROM shadows
                WHERE tenant_id = ? AND device_id = ? AND document IS NOT NULL ORDER BY name""")
                .params(tenantId.toString(), deviceId.toString())
                .query((rs, n) -> new Row(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4))).list();
    }

    public long countNamed(UUID tenantId, UUID deviceId) {
        return jdbc.sql("""
                SELECT COUNT(*) FROM shadows
                WHERE tenant_id = ? AND device_id = ? AND name <> '' AND document IS NOT NULL""")
                .params(tenantId.toString(), deviceId.toString()).query(Long.class).single();
    }

    /** Creates the row at {@code version}; false when another writer created it first. */
    public boolean insert(UUID tenantId, UUID deviceId, String name, long version, String document, long at) {
        return jdbc.sql("""
                INSERT INTO shadows (tenant_id, device_id, name, version, document, updated_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")
                .params(tenantId.toString(), deviceId.toString(), name, version, document, at).update() == 1;
    }

    /**
     * Moves the row from {@code expected} to {@code version}; false when its version is no longer
     * {@code expected} (another writer won).
     */
    public boolean update(UUID tenantId, UUID deviceId, String name, long expected, long version, String document,
            long at) {
        return jdbc.sql("""
                UPDATE shadows SET version = ?, document = ?, updated_at = ?
                WHERE tenant_id = ? AND device_id = ? AND name = ? AND version = ?""")
                .params(version, document, at, tenantId.toString(), deviceId.toString(), name, expected)
                .update() == 1;
    }

    /**
     * Appends a version to the history; every {@link #TRIM_EVERY} versions also drops those older than the newest
     * {@code keep} (each write appends the shadow's newest version, so the newest {@code keep} are always there).
     */
    public void remember(UUID tenantId, UUID deviceId, String name, long version, String document, String actor,
            long at, int keep) {
        jdbc.sql("""
                INSERT INTO shadow_history (tenant_id, device_id, name, version, document, actor, at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), deviceId.toString(), name, version, document, actor, at).update();
        if (trims(version)) {
            trim(tenantId, deviceId, name, version, keep);
        }
    }

    /** Whether writing {@code version} also trims the history. */
    public static boolean trims(long version) {
        return version % TRIM_EVERY == 0;
    }

    /** Drops the versions older than the newest {@code keep}, {@code version} being the newest. */
    public void trim(UUID tenantId, UUID deviceId, String name, long version, int keep) {
        jdbc.sql("DELETE FROM shadow_history WHERE tenant_id = ? AND device_id = ? AND name = ? AND version <= ?")
                .params(tenantId.toString(), deviceId.toString(), name, version - keep).update();
    }

    /** The newest {@code keep} versions, newest first (older ones may still be stored until the next trim). */
    public List<Past> history(UUID tenantId, UUID deviceId, String name, int keep) {
        return jdbc.sql("""
                SELECT version, document, actor, at FROM shadow_history
                WHERE tenant_id = ? AND device_id = ? AND name = ? ORDER BY version DESC LIMIT ?""")
                .params(tenantId.toString(), deviceId.toString(), name, keep)
                .query((rs, n) -> new Past(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4))).list();
    }

    /** A version among the newest {@code keep}; empty for an older one not yet trimmed. */
    public Optional<Past> historyVersion(UUID tenantId, UUID deviceId, String name, long version, int keep) {
        return jdbc.sql("""
                SELECT version, document, actor, at FROM shadow_history h
                WHERE tenant_id = ? AND device_id = ? AND name = ? AND version = ?
                  AND version > (SELECT MAX(version) FROM shadow_history m
                                 WHERE m.tenant_id = h.tenant_id AND m.device_id = h.device_id AND m.name = h.name) - ?""")
                .params(tenantId.toString(), deviceId.toString(), name, version, keep)
                .query((rs, n) -> new Past(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4)))
                .optional();
    }

    /** Forgets every shadow of a purged device. */
    public void deleteDevice(UUID tenantId, UUID deviceId) {
        jdbc.sql("DELETE FROM shadow_history WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update();
        jdbc.sql("DELETE FROM shadows WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update();
    }
}
