package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.DeviceStats;
import io.fleetkeeper.store.Dialect;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Maintained device counts per tenant and dimension ({@code total}, {@code status}, {@code type},
 * {@code site}, {@code identity}, {@code firmware}). Changes apply in the transaction that changes the devices,
 * so counts are exact. A value that may be absent is kept as {@code ""} when absent and {@code "=" + value}
 * when present ({@link #present}), since an empty text is a valid value (site ids are never empty, so
 * {@code site} keeps {@code ""} for no site and the id as it is).
 *
 * <p>Each count is split over shards: a write adds its deltas to one shard, taken in turn, and a read sums
 * them. So concurrent changes to one tenant's devices (first certificate issuances, registrations) rarely
 * wait on the same counter row's lock until the other commits.
 */
@Repository
public class StatsRepository {

    /** Counter shards per tenant and value on PostgreSQL; SQLite has one writer and keeps one. */
    static final int POSTGRESQL_SHARDS = 16;

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final int shards;
    private final AtomicInteger nextShard = new AtomicInteger();

    StatsRepository(JdbcClient jdbc, JdbcTemplate template, Dialect dialect) {
        this.jdbc = jdbc;
        this.template = template;
        this.shards = dialect == Dialect.POSTGRESQL ? POSTGRESQL_SHARDS : 1;
    }

    /**
     * Adds each delta (keyed {@code dimension + "\n" + value}); zero deltas are skipped. Inside a
     * transaction the deltas are collected and written just before commit, so the tenant's counter rows —
     * touched by every device change — stay locked for the shortest time.
     */
    public void apply(UUID tenantId, Map<String, Long> deltas) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            write(tenantId, deltas);
            return;
        }
        @SuppressWarnings("unchecked")
        Map<UUID, Map<String, Long>> pending = (Map<UUID, Map<String, Long>>) TransactionSynchronizationManager
                .getResource(this);
        if (pending == null) {
            Map<UUID, Map<String, Long>> created = new java.util.HashMap<>();
            TransactionSynchronizationManager.bindResource(this, created);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void beforeCommit(boolean readOnly) {
                    created.forEach(StatsRepository.this::write);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(StatsRepository.this);
                }
            });
            pending = created;
        }
        Map<String, Long> forTenant = pending.computeIfAbsent(tenantId, t -> new java.util.HashMap<>());
        deltas.forEach((k, v) -> forTenant.merge(k, v, Long::sum));
    }

    private void write(UUID tenantId, Map<String, Long> deltas) {
        List<Map.Entry<String, Long>> changes = new TreeMap<>(deltas).entrySet().stream()
                .filter(e -> e.getValue() != 0).toList();
        if (changes.isEmpty()) {
            return;
        }
        String tenant = tenantId.toString();
        int shard = Math.floorMod(nextShard.getAndIncrement(), shards);
        template.batchUpdate("""
                INSERT INTO device_stats (tenant_id, dimension, value, shard, count) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, dimension, value, shard)
                DO UPDATE SET count = device_stats.count + excluded.count""",
                changes, 100, (ps, e) -> {
                    int nl = e.getKey().indexOf('\n');
                    ps.setString(1, tenant);
                    ps.setString(2, e.getKey().substring(0, nl));
                    ps.setString(3, e.getKey().substring(nl + 1));
                    ps.setInt(4, shard);
                    ps.setLong(5, e.getValue());
                });
    }

    /** The stored form of an optional value. */
    static String present(String value) {
        return value == null ? "" : "=" + value;
    }

    /**
     * The counts of one dimension, absent values under a null key (for {@code firmware} and {@code site});
     * values whose count went back to zero are left out.
     */
    public Map<String, Long> counts(UUID tenantId, String dimension) {
        Map<String, Long> out = new java.util.HashMap<>();
        jdbc.sql("""
                SELECT value, SUM(count) AS count FROM device_stats WHERE tenant_id = ? AND dimension = ?
                GROUP BY value HAVING SUM(count) <> 0""")
                .params(tenantId.toString(), dimension)
                .query(rs -> {
                    String v = rs.getString("value");
                    String value = switch (dimension) {
                        case "firmware" -> v.isEmpty() ? null : v.substring(1);
                        case "site" -> v.isEmpty() ? null : v;
                        default -> v;
                    };
                    out.put(value, rs.getLong("count"));
                });
        return out;
    }

    public DeviceStats read(UUID tenantId) {
        Map<String, Long> status = new LinkedHashMap<>();
        Map<String, Long> type = new TreeMap<>();
        Map<String, Long> site = new TreeMap<>();
        Map<String, Long> identity = new TreeMap<>();
        Map<String, Long> health = new TreeMap<>();
        long[] total = {0};
        jdbc.sql("""
                SELECT dimension, value, SUM(count) AS count FROM device_stats WHERE tenant_id = ?
                GROUP BY dimension, value HAVING SUM(count) <> 0""")
                .param(tenantId.toString())
                .query(rs -> {
                    String dim = rs.getString("dimension");
                    String value = rs.getString("value");
                    long count = rs.getLong("count");
                    switch (dim) {
                        case "total" -> total[0] = count;
                        case "status" -> status.put(value, count);
                        case "type" -> type.put(value, count);
                        case "identity" -> identity.put(value, count);
                        case "health" -> health.put(value, count);
                        case "site" -> site.put(value.isEmpty() ? "unassigned" : value, count);
                        default -> { }
                    }
                });
        return new DeviceStats(total[0], status, type, site, identity, health, 0);
    }
}
