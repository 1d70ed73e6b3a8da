package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.DeviceConnection;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * {@code device_connections} (one row per device that ever connected) and {@code connectivity_nodes}
 * (node heartbeats). Writes are batched; every write that could race with a newer connection is conditional
 * on the connection, so a late, older event never overwrites a newer state.
 */
@Repository
public class ConnectionRepository {

    /**
     * The whole row for a connection that connected in the flushed window. {@code lastDisconnectedAt} and
     * {@code reason} are the last disconnect seen in that window, or null to keep the stored ones.
     */
    public record Upsert(ConnectionInfo info, boolean connected, Long lastDisconnectedAt, String reason) {
    }

    /** A connection that ended, whose connect was written by an earlier flush (or another node). */
    public record Close(UUID tenantId, UUID deviceId, String connectionId, long since, long at, String reason) {
    }

    /** An open connection as recorded, for the reaper. */
    public record Open(UUID tenantId, UUID deviceId, String connectionId, long since, String remoteAddress,
            String protocol) {
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    ConnectionRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** Writes each row unless the stored one belongs to a connection accepted later. */
    public void upsert(List<Upsert> rows, long now) {
        template.batchUpdate("""
                INSERT INTO device_connections (tenant_id, device_id, connected, connection_id, node_id, since,
                  remote_address, protocol, client_id, keep_alive, authentication, last_disconnected_at,
                  disconnect_reason, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, device_id) DO UPDATE SET connected = excluded.connected,
                  connection_id = excluded.connection_id, node_id = excluded.node_id, since = excluded.since,
                  remote_address = excluded.remote_address, protocol = excluded.protocol,
                  client_id = excluded.client_id, keep_alive = excluded.keep_alive,
                  authentication = excluded.authentication,
                  last_disconnected_at = COALESCE(excluded.last_disconnected_at, device_connections.last_disconnected_at),
                  disconnect_reason = CASE WHEN excluded.last_disconnected_at IS NULL
                    THEN device_connections.disconnect_reason ELSE excluded.disconnect_reason END,
                  updated_at = excluded.updated_at
                WHERE device_connections.since <= excluded.since""", rows, 1000, (ps, r) -> {
                    ConnectionInfo c = r.info();
                    ps.setString(1, c.tenantId().toString());
                    ps.setString(2, c.deviceId().toString());
                    ps.setBoolean(3, r.connected());
                    ps.setString(4, c.connectionId());
                    ps.setString(5, c.nodeId());
                    ps.setLong(6, c.since().toEpochMilli());
                    ps.setString(7, c.remoteAddress());
                    ps.setString(8, c.protocol());
                    ps.setString(9, c.clientId());
                    ps.setInt(10, c.keepAlive());
                    ps.setString(11, c.authentication());
                    ps.setObject(12, r.lastDisconnectedAt());
                    ps.setString(13, r.reason());
                    ps.setLong(14, now);
                });
    }

    /** Marks each connection disconnected if it is still the device's open one; returns the rows changed. */
    public int[] closeIfCurrent(List<Close> closes, long now) {
        if (closes.isEmpty()) {
            return new int[0];
        }
        return template.batchUpdate("""
                UPDATE device_connections SET connected = ?, last_disconnected_at = ?, disconnect_reason = ?,
                  updated_at = ?
                WHERE tenant_id = ? AND device_id = ? AND connection_id = ? AND connected = ?""",
                closes.stream().map(c -> new Object[] {false, c.at(), c.reason(), now, c.tenantId().toString(),
                        c.deviceId().toString(), c.connectionId(), true}).toList());
    }

    /**
     * Records each close as the device's last disconnect where the row already holds a newer connection (the
     * closed one was taken over): the newer connection stays connected. Rows {@link #closeIfCurrent} closed are
     * left alone.
     */
    public void noteOlderCloses(List<Close> closes, long now) {
        if (closes.isEmpty()) {
            return;
        }
        template.batchUpdate("""
                UPDATE device_connections SET last_disconnected_at = ?, disconnect_reason = ?, updated_at = ?
                WHERE tenant_id = ? AND device_id = ? AND connection_id <> ? AND since >= ?
                  AND (last_disconnected_at IS NULL OR last_disconnected_at < ?)""",
                closes.stream().map(c -> new Object[] {c.at(), c.reason(), now, c.tenantId().toString(),
                        c.deviceId().toString(), c.connectionId(), c.since(), c.at()}).toList());
    }

    public Optional<DeviceConnection> find(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT * FROM device_connections WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).query(ConnectionRepository::map).optional();
    }

    public long connectedCount(UUID tenantId) {
        return jdbc.sql("SELECT COUNT(*) FROM device_connections WHERE tenant_id = ? AND connected = ?")
                .params(tenantId.toString(), true).query(Long.class).single();
    }

    /** Up to {@code limit} connections recorded open on {@code nodeId}. */
    public List<Open> openOn(String nodeId, int limit) {
        return jdbc.sql("""
                SELECT tenant_id, device_id, connection_id, since, remote_address, protocol FROM device_connections
                WHERE node_id = ? AND connected = ? LIMIT ?""")
                .params(nodeId, true, limit)
                .query((rs, n) -> new Open(UUID.fromString(rs.getString("tenant_id")),
                        UUID.fromString(rs.getString("device_id")), rs.getString("connection_id"),
                        rs.getLong("since"), rs.getString("remote_address"), rs.getString("protocol")))
                .list();
    }

    /** Forgets a purged device. */
    public void delete(UUID tenantId, UUID deviceId) {
        jdbc.sql("DELETE FROM device_connections WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update();
    }

    /** Writes a node's heartbeat; false when the node had no row (first beat, or it was declared lost). */
    public boolean heartbeat(String nodeId, long at) {
        if (jdbc.sql("UPDATE connectivity_nodes SET heartbeat_at = ? WHERE node_id = ?").params(at, nodeId)
                .update() == 1) {
            return true;
        }
        jdbc.sql("""
                INSERT INTO connectivity_nodes (node_id, heartbeat_at) VALUES (?, ?)
                ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at""").params(nodeId, at).update();
        return false;
    }

    /** Nodes other than {@code self} whose last heartbeat is before {@code before}. */
    public List<String> silentNodes(long before, String self) {
        return jdbc.sql("SELECT node_id FROM connectivity_nodes WHERE heartbeat_at < ? AND node_id <> ?")
                .params(before, self).query(String.class).list();
    }

    public void deleteNode(String nodeId) {
        jdbc.sql("DELETE FROM connectivity_nodes WHERE node_id = ?").param(nodeId).update();
    }

    private static DeviceConnection map(ResultSet rs, int n) throws SQLException {
        Long keepAlive = Times.nullableLong(rs, "keep_alive");
        return new DeviceConnection(UUID.fromString(rs.getString("device_id")), rs.getBoolean("connected"),
                Times.instant(rs, "since"), rs.getString("remote_address"), rs.getString("protocol"),
                rs.getString("client_id"), keepAlive == null ? null : keepAlive.intValue(),
                rs.getString("authentication"), rs.getString("node_id"), Times.instant(rs, "last_disconnected_at"),
                rs.getString("disconnect_reason"), null);
    }
}
