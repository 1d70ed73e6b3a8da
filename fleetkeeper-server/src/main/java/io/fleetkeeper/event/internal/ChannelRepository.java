package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.NotificationChannel;
import io.fleetkeeper.event.OncallSchedule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Notification channels; the secret is stored sealed and read only to send. */
@Repository
public class ChannelRepository {

    /** A channel with its sealed secret. */
    public record Stored(NotificationChannel channel, String sealedSecret) {
    }

    private static final String COLUMNS = "id, name, kind, secret, created_at, version, time_zone, quiet_from, "
            + "quiet_to";

    private final JdbcClient jdbc;

    ChannelRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, NotificationChannel c, String sealedSecret) {
        jdbc.sql("INSERT INTO notification_channels (tenant_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), c.id().toString(), c.name(), c.kind(), sealedSecret,
                        c.createdAt().toEpochMilli(), c.version(), c.timeZone(), quiet(c, true), quiet(c, false))
                .update();
    }

    /** Writes name, time zone and quiet hours of {@code c} (version moved on) if the version is still {@code expected}. */
    public boolean update(UUID tenantId, NotificationChannel c, long expected) {
        return jdbc.sql("UPDATE notification_channels SET name = ?, time_zone = ?, quiet_from = ?, quiet_to = ?, "
                + "version = ? WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(c.name(), c.timeZone(), quiet(c, true), quiet(c, false), c.version(), tenantId.toString(),
                        c.id().toString(), expected)
                .update() == 1;
    }

    private static String quiet(NotificationChannel c, boolean from) {
        return c.quietHours() == null ? null : (from ? c.quietHours().from() : c.quietHours().to()).toString();
    }

    public Optional<Stored> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM notification_channels WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(ChannelRepository::stored).optional();
    }

    public List<NotificationChannel> list(UUID tenantId, UUID after, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM notification_channels WHERE tenant_id = ? AND id > ? "
                + "ORDER BY id LIMIT ?").params(tenantId.toString(), (after == null ? new UUID(0, 0) : after).toString(), limit)
                .query(ChannelRepository::stored).list().stream().map(Stored::channel).toList();
    }

    public boolean nameTaken(UUID tenantId, String name) {
        return jdbc.sql("SELECT COUNT(*) FROM notification_channels WHERE tenant_id = ? AND name = ?")
                .params(tenantId.toString(), name).query(Long.class).single() > 0;
    }

    public boolean delete(UUID tenantId, UUID id, long expected) {
        return jdbc.sql("DELETE FROM notification_channels WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), expected).update() == 1;
    }

    private static Stored stored(ResultSet rs, int n) throws SQLException {
        String from = rs.getString("quiet_from");
        OncallSchedule.QuietHours quiet = from == null ? null
                : new OncallSchedule.QuietHours(LocalTime.parse(from), LocalTime.parse(rs.getString("quiet_to")));
        return new Stored(new NotificationChannel(UUID.fromString(rs.getString("id")), rs.getString("name"),
                rs.getString("kind"), rs.getString("time_zone"), quiet, Instant.ofEpochMilli(rs.getLong("created_at")),
                rs.getLong("version")), rs.getString("secret"));
    }
}
