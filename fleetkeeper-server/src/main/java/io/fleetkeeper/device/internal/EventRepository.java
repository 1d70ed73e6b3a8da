package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.DeviceEvent;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The append-only device event history. */
@Repository
public class EventRepository {

    /** An event to append. */
    public record NewEvent(UUID deviceId, String type, String actor, String details, long at) {
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    EventRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    public void append(UUID tenantId, List<NewEvent> events) {
        insert(tenantId, events, "INSERT INTO device_events (tenant_id, device_id, type, actor, details, at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", false);
    }

    /** Appends events in order, skipping those whose device does not exist (any more). */
    public void appendIfDeviceExists(UUID tenantId, List<NewEvent> events) {
        insert(tenantId, events, "INSERT INTO device_events (tenant_id, device_id, type, actor, details, at) "
                + "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE tenant_id = ? AND id = ?)", true);
    }

    private void insert(UUID tenantId, List<NewEvent> events, String sql, boolean existsCheck) {
        String tenant = tenantId.toString();
        template.batchUpdate(sql, events, 1000, (ps, e) -> {
            ps.setString(1, tenant);
            ps.setString(2, e.deviceId().toString());
            ps.setString(3, e.type());
            ps.setString(4, e.actor());
            ps.setString(5, e.details());
            ps.setLong(6, e.at());
            if (existsCheck) {
                ps.setString(7, tenant);
                ps.setString(8, e.deviceId().toString());
            }
        });
    }

    /** Newest first, after the event id {@code beforeId} when given. */
    public List<DeviceEvent> list(UUID tenantId, UUID deviceId, Long beforeId, int fetch) {
        return jdbc.sql("""
                SELECT id, type, actor, details, at FROM device_events
                WHERE tenant_id = ? AND device_id = ? AND id < ? ORDER BY id DESC LIMIT ?""")
                .params(tenantId.toString(), deviceId.toString(), beforeId == null ? Long.MAX_VALUE : beforeId, fetch)
                .query((rs, n) -> new DeviceEvent(rs.getLong("id"), rs.getString("type"), rs.getString("actor"),
                        rs.getString("details"), Instant.ofEpochMilli(rs.getLong("at"))))
                .list();
    }
}
