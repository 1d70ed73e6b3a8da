package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.Alert;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The queue of alert notifications: one row per alert, channel and action, pending until sent or dead. */
@Repository
public class NotificationRepository {

    public static final String PENDING = "pending";
    public static final String SENT = "sent";
    public static final String DEAD = "dead";

    /** A notification due to be sent. */
    public record Due(long id, UUID tenantId, UUID alertId, UUID channelId, String action, int attempts,
            long createdAt, String recipient) {
    }

    /** A person notified of an alert through a schedule: the schedule's id and the address. */
    public record Recipient(UUID scheduleId, String address) {
    }

    private final JdbcClient jdbc;

    NotificationRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void queue(UUID tenantId, UUID alertId, List<UUID> channels, String action, long now) {
        for (UUID channel : channels) {
            jdbc.sql("INSERT INTO alert_notifications (tenant_id, alert_id, channel_id, action, status, attempts, "
                    + "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)")
                    .params(tenantId.toString(), alertId.toString(), channel.toString(), action, PENDING, now, now)
                    .update();
        }
    }

    /** Queues a notification to one person on call of {@code scheduleId}. */
    public void queueTo(UUID tenantId, UUID alertId, Recipient to, String action, long now) {
        jdbc.sql("INSERT INTO alert_notifications (tenant_id, alert_id, channel_id, action, status, attempts, "
                + "next_attempt_at, created_at, recipient) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)")
                .params(tenantId.toString(), alertId.toString(), to.scheduleId().toString(), action, PENDING, now, now,
                        to.address())
                .update();
    }

    /** The people on call who heard of an alert's trigger, each once. */
    public List<Recipient> recipients(UUID tenantId, UUID alertId) {
        return jdbc.sql("SELECT DISTINCT channel_id, recipient FROM alert_notifications WHERE tenant_id = ? "
                + "AND alert_id = ? AND recipient IS NOT NULL").params(tenantId.toString(), alertId.toString())
                .query((rs, n) -> new Recipient(UUID.fromString(rs.getString("channel_id")), rs.getString("recipient")))
                .list();
    }

    /** Holds a pending notification until {@code until} without counting an attempt (quiet hours). */
    public void hold(long id, long until) {
        jdbc.sql("UPDATE alert_notifications SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                .params(until, "held for quiet hours", id).update();
    }

    /**
     * Pending notifications due at {@code now}, oldest first; only the oldest pending one of each alert and
     * channel, so a channel hears of an alert's transitions in order.
     */
    public List<Due> due(long now, int limit) {
        return jdbc.sql("SELECT id, tenant_id, alert_id, channel_id, action, attempts, created_at, recipient "
                + "FROM alert_notifications n WHERE status = ? AND next_attempt_at <= ? AND NOT EXISTS ("
                + "SELECT 1 FROM alert_notifications o WHERE o.alert_id = n.alert_id AND o.channel_id = n.channel_id "
                + "AND o.status = ? AND o.id < n.id) ORDER BY next_attempt_at, id LIMIT ?")
                .params(PENDING, now, PENDING, limit)
                .query((rs, n) -> new Due(rs.getLong("id"), UUID.fromString(rs.getString("tenant_id")),
                        UUID.fromString(rs.getString("alert_id")), UUID.fromString(rs.getString("channel_id")),
                        rs.getString("action"), rs.getInt("attempts"), rs.getLong("created_at"),
                        rs.getString("recipient")))
                .list();
    }

    public void attempted(long id, String status, long nextAttemptAt, String error) {
        jdbc.sql("UPDATE alert_notifications SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
                + "last_error = ? WHERE id = ?").params(status, nextAttemptAt, error, id).update();
    }

    public List<Alert.Notification> ofAlert(UUID tenantId, UUID alertId) {
        return jdbc.sql("SELECT channel_id, action, status, attempts, last_error, recipient FROM alert_notifications "
                + "WHERE tenant_id = ? AND alert_id = ? ORDER BY id").params(tenantId.toString(), alertId.toString())
                .query((rs, n) -> new Alert.Notification(UUID.fromString(rs.getString("channel_id")), rs.getString("action"),
                        rs.getString("status"), rs.getInt("attempts"), rs.getString("last_error"),
                        rs.getString("recipient")))
                .list();
    }

    public void deleteOfChannel(UUID tenantId, UUID channelId) {
        jdbc.sql("DELETE FROM alert_notifications WHERE tenant_id = ? AND channel_id = ?")
                .params(tenantId.toString(), channelId.toString()).update();
    }
}
