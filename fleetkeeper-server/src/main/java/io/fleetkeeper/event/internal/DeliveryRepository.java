package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.RouteDelivery;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The durable delivery queue of message routes, which is also their delivery log. */
@Repository
public class DeliveryRepository {

    /** A delivery to enqueue. */
    public record NewDelivery(UUID tenantId, UUID routeId, String eventId, String eventType, UUID deviceId,
            String body) {
    }

    /** A due delivery with what sending it needs. */
    public record Due(long id, UUID tenantId, UUID routeId, String eventId, String eventType, UUID deviceId,
            String body, int attempts, long retrySince) {
    }

    private static final String LOG_COLUMNS = "id, event_id, event_type, device_id, status, attempts, next_attempt_at, "
            + "created_at, finished_at, last_status, last_error, last_latency_ms";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    DeliveryRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    public void enqueue(List<NewDelivery> deliveries, long now) {
        template.batchUpdate("INSERT INTO route_deliveries (tenant_id, route_id, event_id, event_type, device_id, "
                + "body, status, attempts, next_attempt_at, created_at, retry_since) "
                + "VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (route_id, event_id) DO NOTHING",
                deliveries, 1000, (ps, d) -> {
                    ps.setString(1, d.tenantId().toString());
                    ps.setString(2, d.routeId().toString());
                    ps.setString(3, d.eventId());
                    ps.setString(4, d.eventType());
                    ps.setString(5, d.deviceId() == null ? null : d.deviceId().toString());
                    ps.setString(6, d.body());
                    ps.setLong(7, now);
                    ps.setLong(8, now);
                    ps.setLong(9, now);
                });
    }

    /** Whether the delivery log holds this event for this route already (a message delivered twice). */
    public boolean logged(UUID routeId, String eventId) {
        return !jdbc.sql("SELECT 1 FROM route_deliveries WHERE route_id = ? AND event_id = ?")
                .params(routeId.toString(), eventId).query().singleColumn().isEmpty();
    }

    /** Whether a delivery of this device's events to this route is still pending. */
    public boolean pendingFor(UUID routeId, UUID deviceId) {
        return !jdbc.sql("SELECT 1 FROM route_deliveries WHERE status = 'pending' AND route_id = ? AND "
                + (deviceId == null ? "device_id IS NULL" : "device_id = ?") + " LIMIT 1")
                .params(deviceId == null ? List.of(routeId.toString()) : List.of(routeId.toString(),
                        deviceId.toString()))
                .query().singleColumn().isEmpty();
    }

    /** Which of these events the delivery log holds for this route already (messages delivered twice). */
    public Set<String> loggedAmong(UUID routeId, Collection<String> eventIds) {
        if (eventIds.isEmpty()) {
            return Set.of();
        }
        List<Object> params = new ArrayList<>(eventIds.size() + 1);
        params.add(routeId.toString());
        params.addAll(eventIds);
        return new HashSet<>(jdbc.sql("SELECT event_id FROM route_deliveries WHERE route_id = ? AND event_id IN ("
                + placeholders(eventIds.size()) + ")").params(params).query(String.class).list());
    }

    /**
     * Which of these devices have a delivery to this route still pending; {@link #NO_DEVICE} stands for events
     * without a device.
     */
    public Set<UUID> pendingAmong(UUID routeId, Collection<UUID> deviceIds) {
        Set<UUID> pending = new HashSet<>();
        List<String> ids = deviceIds.stream().filter(d -> !NO_DEVICE.equals(d)).map(UUID::toString).toList();
        if (!ids.isEmpty()) {
            List<Object> params = new ArrayList<>(ids.size() + 1);
            params.add(routeId.toString());
            params.addAll(ids);
            jdbc.sql("SELECT DISTINCT device_id FROM route_deliveries WHERE status = 'pending' AND route_id = ? "
                    + "AND device_id IN (" + placeholders(ids.size()) + ")").params(params).query(String.class)
                    .list().forEach(d -> pending.add(UUID.fromString(d)));
        }
        if (deviceIds.contains(NO_DEVICE) && pendingFor(routeId, null)) {
            pending.add(NO_DEVICE);
        }
        return pending;
    }

    /** Stands for "no device" where a device id is a key. */
    public static final UUID NO_DEVICE = new UUID(0, 0);

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** An attempt made outside the queue and its outcome, for {@link #logAttempts}. */
    public record Attempt(NewDelivery delivery, String status, long nextAttemptAt, long now, Integer httpStatus,
            String error, long latencyMs) {
    }

    /** Logs first attempts made outside the queue (from the route stream), in order, as one batch. */
    public void logAttempts(List<Attempt> attempts) {
        template.batchUpdate("INSERT INTO route_deliveries (tenant_id, route_id, event_id, event_type, device_id, "
                + "body, status, attempts, next_attempt_at, created_at, retry_since, finished_at, last_status, "
                + "last_error, last_latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (route_id, event_id) DO NOTHING", attempts, 1000, (ps, a) -> {
                    NewDelivery d = a.delivery();
                    ps.setString(1, d.tenantId().toString());
                    ps.setString(2, d.routeId().toString());
                    ps.setString(3, d.eventId());
                    ps.setString(4, d.eventType());
                    ps.setString(5, d.deviceId() == null ? null : d.deviceId().toString());
                    ps.setString(6, d.body());
                    ps.setString(7, a.status());
                    ps.setLong(8, a.nextAttemptAt());
                    ps.setLong(9, a.now());
                    ps.setLong(10, a.now());
                    ps.setObject(11, a.status().equals(RouteDelivery.PENDING) ? null : a.now(), Types.BIGINT);
                    ps.setObject(12, a.httpStatus(), Types.BIGINT);
                    ps.setString(13, a.error());
                    ps.setLong(14, a.latencyMs());
                });
    }

    /**
     * Due pending deliveries, oldest first, each the oldest pending one of its route and device: a device's
     * events reach a route in order, and one that keeps failing holds back only that device's later events.
     */
    public List<Due> due(long now, int limit) {
        return jdbc.sql("""
                SELECT r.id, r.tenant_id, r.route_id, r.event_id, r.event_type, r.device_id, r.body, r.attempts,
                       r.retry_since
                FROM route_deliveries r
                WHERE r.status = 'pending' AND r.next_attempt_at <= ?
                  AND NOT EXISTS (SELECT 1 FROM route_deliveries e WHERE e.status = 'pending'
                      AND e.route_id = r.route_id AND e.device_id = r.device_id AND e.id < r.id)
                ORDER BY r.id LIMIT ?""").params(now, limit)
                .query((rs, n) -> {
                    String device = rs.getString("device_id");
                    return new Due(rs.getLong("id"), UUID.fromString(rs.getString("tenant_id")),
                            UUID.fromString(rs.getString("route_id")), rs.getString("event_id"),
                            rs.getString("event_type"), device == null ? null : UUID.fromString(device), rs.getString("body"),
                            rs.getInt("attempts"), rs.getLong("retry_since"));
                }).list();
    }

    /** Records an attempt: {@code status} delivered, dead, or pending again at {@code nextAttemptAt}. */
    public void attempted(long id, String status, long nextAttemptAt, long now, Integer httpStatus, String error,
            long latencyMs) {
        jdbc.sql("UPDATE route_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
                + "finished_at = ?, last_status = ?, last_error = ?, last_latency_ms = ? WHERE id = ?")
                .params(status, nextAttemptAt, status.equals(RouteDelivery.PENDING) ? null : now, httpStatus, error,
                        latencyMs, id)
                .update();
    }

    /** A route's deliveries, newest first, before id {@code before}; only of {@code status} when given. */
    public List<RouteDelivery> list(UUID tenantId, UUID routeId, String status, long before, int fetch) {
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), routeId.toString(), before));
        String statusClause = "";
        if (status != null) {
            statusClause = " AND status = ?";
            params.add(status);
        }
        params.add(fetch);
        return jdbc.sql("SELECT " + LOG_COLUMNS + " FROM route_deliveries WHERE tenant_id = ? AND route_id = ? "
                + "AND id < ?" + statusClause + " ORDER BY id DESC LIMIT ?").params(params)
                .query(DeliveryRepository::delivery).list();
    }

    /** Puts a route's dead letters back in the queue, due now, with a fresh retry period. */
    public int replayDead(UUID tenantId, UUID routeId, long now) {
        return jdbc.sql("UPDATE route_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, "
                + "retry_since = ?, finished_at = NULL WHERE tenant_id = ? AND route_id = ? AND status = 'dead'")
                .params(now, now, tenantId.toString(), routeId.toString()).update();
    }

    public void deleteOfRoute(UUID tenantId, UUID routeId) {
        jdbc.sql("DELETE FROM route_deliveries WHERE tenant_id = ? AND route_id = ?")
                .params(tenantId.toString(), routeId.toString()).update();
    }

    private static RouteDelivery delivery(ResultSet rs, int n) throws SQLException {
        String device = rs.getString("device_id");
        String status = rs.getString("status");
        long finished = rs.getLong("finished_at");
        boolean hasFinished = !rs.wasNull();
        int httpStatus = rs.getInt("last_status");
        Integer lastStatus = rs.wasNull() ? null : httpStatus;
        long latency = rs.getLong("last_latency_ms");
        Long lastLatency = rs.wasNull() ? null : latency;
        return new RouteDelivery(rs.getLong("id"), rs.getString("event_id"), rs.getString("event_type"),
                device == null ? null : UUID.fromString(device), status, rs.getInt("attempts"),
                status.equals(RouteDelivery.PENDING) ? Instant.ofEpochMilli(rs.getLong("next_attempt_at")) : null,
                Instant.ofEpochMilli(rs.getLong("created_at")), hasFinished ? Instant.ofEpochMilli(finished) : null,
                lastStatus, rs.getString("last_error"), lastLatency);
    }
}
