package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceEventsRecorded;
import io.fleetkeeper.device.NewDeviceEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The append-only device event history. Every appended batch is announced in the transaction
 * ({@link DeviceEventsRecorded}), so the outbox gets the same events atomically.
 */
@Repository
public class EventRepository {

    /** An event to append. */
    public record NewEvent(UUID deviceId, String type, String actor, String details, long at) {
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final ApplicationEventPublisher publisher;

    EventRepository(JdbcClient jdbc, JdbcTemplate template, ApplicationEventPublisher publisher) {
        this.jdbc = jdbc;
        this.template = template;
        this.publisher = publisher;
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
        int[][] counts = template.batchUpdate(sql, events, 1000, (ps, e) -> {
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
        List<NewDeviceEvent> written = new ArrayList<>(events.size());
        int i = 0;
        for (int[] batch : counts) {
            for (int count : batch) {
                NewEvent e = events.get(i++);
                if (count != 0) { // written, or written without a count (a rewritten batch)
                    written.add(new NewDeviceEvent(e.deviceId(), e.type(), e.actor(), e.details(),
                            Instant.ofEpochMilli(e.at())));
                }
            }
        }
        if (!written.isEmpty()) {
            publisher.publishEvent(new DeviceEventsRecorded(tenantId, written));
        }
    }

    /** True when the device's history holds an event of this type. */
    public boolean exists(UUID tenantId, UUID deviceId, String type) {
        return jdbc.sql("SELECT 1 FROM device_events WHERE tenant_id = ? AND device_id = ? AND type = ? LIMIT 1")
                .params(tenantId.toString(), deviceId.toString(), type).query().singleColumn().size() > 0;
    }

    /**
     * Newest first, after the event id {@code beforeId} when given; only events of the given stored types when
     * {@code types} is not empty.
     */
    public List<DeviceEvent> list(UUID tenantId, UUID deviceId, Long beforeId, Set<String> types, int fetch) {
        return list(tenantId, deviceId, beforeId, types, null, fetch);
    }

    /**
     * As {@link #list(UUID, UUID, Long, Set, int)}, and when {@code slot} is given only events whose details name that
     * certificate slot ({@code "slot":"<slot>"}); {@code slot} must be a valid slot name (letters, digits, _ and -).
     */
    public List<DeviceEvent> list(UUID tenantId, UUID deviceId, Long beforeId, Set<String> types, String slot,
            int fetch) {
        return list(tenantId, deviceId, beforeId, types, slot, null, null, fetch);
    }

    /**
     * As {@link #list(UUID, UUID, Long, Set, String, int)}, and only events at or after {@code fromMillis} and
     * before {@code toMillis} when these are given.
     */
    public List<DeviceEvent> list(UUID tenantId, UUID deviceId, Long beforeId, Set<String> types, String slot,
            Long fromMillis, Long toMillis, int fetch) {
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), deviceId.toString(),
                beforeId == null ? Long.MAX_VALUE : beforeId));
        String typeClause = "";
        if (!types.isEmpty()) {
            typeClause = " AND type IN (" + String.join(", ", Collections.nCopies(types.size(), "?")) + ")";
            params.addAll(types);
        }
        if (slot != null) {
            typeClause += " AND details LIKE ? ESCAPE '!'";
            params.add("%\"slot\":\"" + slot.replace("!", "!!").replace("_", "!_").replace("%", "!%") + "\"%");
        }
        if (fromMillis != null) {
            typeClause += " AND at >= ?";
            params.add(fromMillis);
        }
        if (toMillis != null) {
            typeClause += " AND at < ?";
            params.add(toMillis);
        }
        params.add(fetch);
        return jdbc.sql("SELECT id, type, actor, details, at FROM device_events "
                + "WHERE tenant_id = ? AND device_id = ? AND id < ?" + typeClause + " ORDER BY id DESC LIMIT ?")
                .params(params)
                .query((rs, n) -> new DeviceEvent(rs.getLong("id"), rs.getString("type"), rs.getString("actor"),
                        rs.getString("details"), Instant.ofEpochMilli(rs.getLong("at"))))
                .list();
    }
}
