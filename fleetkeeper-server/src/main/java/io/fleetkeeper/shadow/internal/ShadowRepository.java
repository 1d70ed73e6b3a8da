package io.fleetkeeper.shadow.internal;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.springframework.jdbc.core.JdbcTemplate;
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

    /** A shadow's row to write in a batch: created ({@code create}), or moved from {@code expected} to {@code version}. */
    public record Write(UUID tenantId, UUID deviceId, String name, boolean create, long expected, long version,
            String document, long at) {
    }

    /** A version to append to the history in a batch. */
    public record Version(UUID tenantId, UUID deviceId, String name, long version, String document, String actor,
            long at) {
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    ShadowRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /**
     * The stored rows of {@code names} of the tenant's {@code devices} (any combination), one statement per 200
     * devices, each handed to {@code each} with its device.
     */
    public void findAll(UUID tenantId, Collection<UUID> devices, Collection<String> names, BiConsumer<UUID, Row> each) {
        List<UUID> all = List.copyOf(devices);
        List<String> n = List.copyOf(names);
        for (int i = 0; i < all.size(); i += 200) {
            List<UUID> chunk = all.subList(i, Math.min(all.size(), i + 200));
            List<Object> params = new ArrayList<>();
            params.add(tenantId.toString());
            chunk.forEach(id -> params.add(id.toString()));
            params.addAll(n);
            jdbc.sql("SELECT device_id, name, version, document, updated_at FROM shadows WHERE tenant_id = ? AND "
                    + "device_id IN (" + marks(chunk.size()) + ") AND name IN (" + marks(n.size()) + ")")
                    .params(params).query((ResultSet rs) -> {
                        each.accept(UUID.fromString(rs.getString(1)), new Row(rs.getString(2), rs.getLong(3),
                                rs.getString(4), rs.getLong(5)));
                    });
        }
    }

    /**
     * Writes the rows: updates in one JDBC batch, each conditional on its {@code expected} version; creations one
     * statement each ({@code ON CONFLICT DO NOTHING}), since a batch of inserts that the PostgreSQL driver rewrites
     * into one multi-row statement ({@code reWriteBatchedInserts}) does not say which rows it wrote. For each write,
     * in order, whether it won. Creations are a shadow's first write, rare beside updates.
     */
    public boolean[] writeAll(List<Write> writes) {
        List<Write> updates = writes.stream().filter(w -> !w.create()).toList();
        int[] updated = updates.isEmpty() ? new int[0] : template.batchUpdate("""
                UPDATE shadows SET version = ?, document = ?, updated_at = ?
                WHERE tenant_id = ? AND device_id = ? AND name = ? AND version = ?""",
                updates.stream().map(w -> new Object[] {w.version(), w.document(), w.at(), w.tenantId().toString(),
                        w.deviceId().toString(), w.name(), w.expected()}).toList());
        boolean[] won = new boolean[writes.size()];
        int u = 0;
        for (int i = 0; i < writes.size(); i++) {
            Write w = writes.get(i);
            // An update batch is not rewritten: each row's count is its own (a driver may answer SUCCESS_NO_INFO, -2).
            won[i] = w.create() ? insert(w.tenantId(), w.deviceId(), w.name(), w.version(), w.document(), w.at())
                    : updated[u++] != 0;
        }
        return won;
    }

    /** Appends versions to the history in one JDBC batch (trimming is the caller's, see {@link #trims}). */
    public void rememberAll(List<Version> versions) {
        if (!versions.isEmpty()) {
            template.batchUpdate("""
                    INSERT INTO shadow_history (tenant_id, device_id, name, version, document, actor, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""", versions.stream().map(v -> new Object[] {v.tenantId().toString(),
                    v.deviceId().toString(), v.name(), v.version(), v.document(), v.actor(), v.at()}).toList());
        }
    }

    private static String marks(int n) {
        return String.join(",", Collections.nCopies(n, "?"));
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
