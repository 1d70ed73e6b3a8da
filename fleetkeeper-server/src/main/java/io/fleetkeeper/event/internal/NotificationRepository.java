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
            long createdAt, String recipient, UUID scheduleId) {

        /** The schedule through which this notification reaches the person on call, or null. */
        public UUID viaSchedule() {
            return recipient != null ? channelId : scheduleId;
        }
    }

    /**
     * A person notified of an alert through a schedule: the schedule's id and either the person's e-mail
     * {@code address} or one of the person's contact {@code channelId}s.
     */
    public record Recipient(UUID scheduleId, String address, UUID channelId) {

        public Recipient(UUID scheduleId, String address) {
            this(scheduleId, address, null);
        }
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

    /**
     * Queues a notification to one person on call of {@code to.scheduleId()}: by e-mail (the schedule id then
     * stands in the channel column) or through one of the person's contact channels.
     */
    public void queueTo(UUID tenantId, UUID alertId, Recipient to, String action, long now) {
        UUID channel = to.channelId() != null ? to.channelId() : to.scheduleId();
        jdbc.sql("INSERT INTO alert_notifications (tenant_id, alert_id, channel_id, action, status, attempts, "
                + "next_attempt_at, created_at, recipient, schedule_id) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)")
                .params(tenantId.toString(), alertId.toString(), channel.toString(), action, PENDING, now, now,
                        to.channelId() != null ? null : to.address(), to.scheduleId().toString())
                .update();
    }

    /** The people on call who heard of an alert's trigger, each address and contact channel once. */
    public List<Recipient> recipients(UUID tenantId, UUID alertId) {
        return jdbc.sql("SELECT DISTINCT channel_id, recipient, schedule_id FROM alert_notifications "
                + "WHERE tenant_id = ? AND alert_id = ? AND (recipient IS NOT NULL OR schedule_id IS NOT NULL)")
                .params(tenantId.toString(), alertId.toString())
                .query((rs, n) -> {
                    UUID channel = UUID.fromString(rs.getString("channel_id"));
                    String address = rs.getString("recipient");
                    return address != null ? new Recipient(channel, address)
                            : new Recipient(UUID.fromString(rs.getString("schedule_id")), null, channel);
                })
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
        return jdbc.sql("SELECT id, tenant_id, alert_id, channel_id, action, attempts, created_at, recipient, "
                + "schedule_id FROM alert_notifications n WHERE status = ? AND next_attempt_at <= ? AND NOT EXISTS ("
                + "SELECT 1 FROM alert_notifications o WHERE o.alert_id = n.alert_id AND o.channel_id = n.channel_id "
                + "AND o.status = ? AND o.id < n.id) ORDER BY next_attempt_at, id LIMIT ?")
                .params(PENDING, now, PENDING, limit)
                .query((rs, n) -> new Due(rs.getLong("id"), UUID.fromString(rs.getString("tenant_id")),
                        UUID.fromString(rs.getString("alert_id")), UUID.fromString(rs.getString("channel_id")),
                        rs.getString("action"), rs.getInt("attempts"), rs.getLong("created_at"),
                        rs.getString("recipient"), uuid(rs.getString("schedule_id"))))
                .list();
    }

    private static UUID uuid(String s) {
        return s == null ? null : UUID.fromString(s);
    }

    public void attempted(long id, String status, long nextAttemptAt, String error) {
        jdbc.sql("UPDATE alert_notifications SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
                + "last_error = ? WHERE id = ?").params(status, nextAttemptAt, error, id).update();
    }

    public List<Alert.Notification> ofAlert(UUID tenantId, UUID alertId) {
        return jdbc.sql("SELECT channel_id, action, status, attempts, last_error, recipient, schedule_id "
                + "FROM alert_notifications "
                + "WHERE tenant_id = ? AND alert_id = ? ORDER BY id").params(tenantId.toString(), alertId.toString())
                .query((rs, n) -> new Alert.Notification(UUID.fromString(rs.getString("channel_id")), rs.getString("action"),
                        rs.getString("status"), rs.getInt("attempts"), rs.getString("last_error"),
                        rs.getString("recipient"), uuid(rs.getString("schedule_id"))))
                .list();
    }

    public void deleteOfChannel(UUID tenantId, UUID channelId) {
        jdbc.sql("DELETE FROM alert_notifications WHERE tenant_id = ? AND channel_id = ?")
                .params(tenantId.toString(), channelId.toString()).update();
    }
}
