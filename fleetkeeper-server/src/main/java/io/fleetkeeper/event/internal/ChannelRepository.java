package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.NotificationChannel;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
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

    private static final String COLUMNS = "id, name, kind, secret, created_at, version";

    private final JdbcClient jdbc;

    ChannelRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, NotificationChannel c, String sealedSecret) {
        jdbc.sql("INSERT INTO notification_channels (tenant_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), c.id().toString(), c.name(), c.kind(), sealedSecret,
                        c.createdAt().toEpochMilli(), c.version())
                .update();
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
        return new Stored(new NotificationChannel(UUID.fromString(rs.getString("id")), rs.getString("name"),
                rs.getString("kind"), Instant.ofEpochMilli(rs.getLong("created_at")), rs.getLong("version")),
                rs.getString("secret"));
    }
}
