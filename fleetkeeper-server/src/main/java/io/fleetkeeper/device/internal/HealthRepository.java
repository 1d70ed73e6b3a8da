package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.DeviceHealth.Change;
import io.fleetkeeper.device.DeviceHealth.Due;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The devices' {@code health} and {@code health_due_at} columns. The due time is kept in an index so an evaluation
 * run reads only the devices whose health may have changed, never the whole fleet; hearing a device that is not
 * ONLINE makes it due at once ({@link DeviceRepository#touchLastSeen}).
 */
@Repository
public class HealthRepository {

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    HealthRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** Up to {@code limit} devices of any tenant due at or before {@code now}, the longest due first. */
    public List<Due> due(long now, int limit) {
        return jdbc.sql("""
                SELECT tenant_id, id, device_type, health, last_seen_at FROM devices
                WHERE health_due_at <= ? AND last_seen_at IS NOT NULL ORDER BY health_due_at LIMIT ?""")
                .params(now, limit)
                .query((rs, n) -> new Due(UUID.fromString(rs.getString(1)), UUID.fromString(rs.getString(2)),
                        rs.getString(3), rs.getString(4), rs.getLong(5)))
                .list();
    }

    /**
     * Applies each change whose device still has the health and last-seen time it was evaluated with (a device
     * heard meanwhile is left for the next run); returns those applied.
     */
    public List<Change> apply(UUID tenantId, List<Change> due) {
        String tenant = tenantId.toString();
        // In device id order, as DeviceRepository#touchLastSeen locks the same rows: two transactions updating some
        // of the same devices in different orders deadlock on PostgreSQL (seen under telemetry load).
        List<Change> changes = new ArrayList<>(due);
        changes.sort(java.util.Comparator.comparing(Change::deviceId));
        int[][] counts = template.batchUpdate("""
                UPDATE devices SET health = ?, health_due_at = ?
                WHERE tenant_id = ? AND id = ? AND health = ? AND last_seen_at = ?""", changes, 1000, (ps, c) -> {
            ps.setString(1, c.to());
            if (c.nextDueAt() == null) {
                ps.setNull(2, java.sql.Types.BIGINT);
            } else {
                ps.setLong(2, c.nextDueAt());
            }
            ps.setString(3, tenant);
            ps.setString(4, c.deviceId().toString());
            ps.setString(5, c.from());
            ps.setLong(6, c.lastSeenAt());
        });
        List<Change> applied = new ArrayList<>();
        int i = 0;
        for (int[] batch : counts) {
            for (int count : batch) {
                Change c = changes.get(i++);
                if (count != 0) {
                    applied.add(c);
                }
            }
        }
        return applied;
    }
}
