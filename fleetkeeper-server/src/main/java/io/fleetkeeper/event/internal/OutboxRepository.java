package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.OutboxEvent;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The outbox and the cursors of its readers. */
@Repository
public class OutboxRepository {

    /** A row to write in the transaction of its change. */
    public record NewRow(String eventId, UUID tenantId, UUID deviceId, String type, String data, long at) {
    }

    private static final String COLUMNS = "seq, event_id, tenant_id, device_id, type, data, at";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    OutboxRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    public void insert(List<NewRow> rows) {
        template.batchUpdate("INSERT INTO outbox (event_id, tenant_id, device_id, type, data, at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", rows, 1000, (ps, r) -> {
                    ps.setString(1, r.eventId());
                    ps.setString(2, r.tenantId().toString());
                    ps.setString(3, r.deviceId() == null ? null : r.deviceId().toString());
                    ps.setString(4, r.type());
                    ps.setString(5, r.data());
                    ps.setLong(6, r.at());
                });
    }

    /** Ids of committed rows the relay has not sequenced yet, oldest first. */
    public List<Long> unsequenced(int limit) {
        return jdbc.sql("SELECT id FROM outbox WHERE seq IS NULL ORDER BY id LIMIT ?").param(limit)
                .query(Long.class).list();
    }

    /** How many committed rows wait for the relay (a partial index holds exactly those). */
    public long unsequencedCount() {
        return jdbc.sql("SELECT COUNT(*) FROM outbox WHERE seq IS NULL").query(Long.class).single();
    }

    public long maxSeq() {
        Long max = jdbc.sql("SELECT MAX(seq) FROM outbox").query(Long.class).optional().orElse(null);
        return max == null ? 0 : max;
    }

    /** Gives the rows {@code ids} the sequence numbers {@code first}, {@code first + 1}, … in order. */
    public void sequence(List<Long> ids, long first) {
        long[] next = {first};
        template.batchUpdate("UPDATE outbox SET seq = ? WHERE id = ? AND seq IS NULL", ids, 1000, (ps, id) -> {
            ps.setLong(1, next[0]++);
            ps.setLong(2, id);
        });
    }

    /** Sequenced events after {@code seq}, of every tenant, in order. */
    public List<OutboxEvent> after(long seq, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?").params(seq, limit)
                .query(OutboxRepository::event).list();
    }

    /** How many provisioning attempts of a tenant were refused at times in {@code (from, to]} (epoch ms). */
    public long provisioningFailures(UUID tenantId, long from, long to) {
        return jdbc.sql("SELECT COUNT(*) FROM outbox WHERE tenant_id = ? AND type = '"
                + io.fleetkeeper.event.EventTypes.PROVISIONING_FAILED + "' AND at > ? AND at <= ?")
                .params(tenantId.toString(), from, to).query(Long.class).single();
    }

    /** A tenant's sequenced events after {@code seq}, in order. */
    public List<OutboxEvent> after(UUID tenantId, long seq, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM outbox WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?")
                .params(tenantId.toString(), seq, limit).query(OutboxRepository::event).list();
    }

    /** Deletes sequenced events older than {@code before} that every reader has passed. */
    public int deleteRelayed(long before, long passedBy) {
        return jdbc.sql("DELETE FROM outbox WHERE seq IS NOT NULL AND seq <= ? AND at < ?")
                .params(passedBy, before).update();
    }

    /** A reader's position; created at {@code initial} when it has none yet. */
    public long cursor(String name, long initial) {
        return cursor(name, () -> initial);
    }

    /**
     * A reader's position; created at {@code initial} when it has none yet. Reads first: on SQLite every write
     * queues for the one writer, and a reader asks for its position on every round.
     */
    public long cursor(String name, LongSupplier initial) {
        Long p = position(name);
        if (p != null) {
            return p;
        }
        jdbc.sql("INSERT INTO event_cursors (name, position) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
                .params(name, initial.getAsLong()).update();
        return jdbc.sql("SELECT position FROM event_cursors WHERE name = ?").param(name).query(Long.class).single();
    }

    /** A reader's position, or null when it has none yet (read only). */
    public Long position(String name) {
        return jdbc.sql("SELECT position FROM event_cursors WHERE name = ?").param(name).query(Long.class).optional()
                .orElse(null);
    }

    public void advance(String name, long position) {
        jdbc.sql("UPDATE event_cursors SET position = ? WHERE name = ? AND position < ?")
                .params(position, name, position).update();
    }

    /** The lowest position of the readers {@code names} that exist; {@code fallback} when none does. */
    public long slowest(List<String> names, long fallback) {
        long min = fallback;
        for (String name : names) {
            Long p = jdbc.sql("SELECT position FROM event_cursors WHERE name = ?").param(name).query(Long.class)
                    .optional().orElse(null);
            if (p != null) {
                min = Math.min(min, p);
            }
        }
        return min;
    }

    private static OutboxEvent event(ResultSet rs, int n) throws SQLException {
        String device = rs.getString("device_id");
        return new OutboxEvent(rs.getLong("seq"), rs.getString("event_id"), UUID.fromString(rs.getString("tenant_id")),
                device == null ? null : UUID.fromString(device), rs.getString("type"), rs.getString("data"),
                Instant.ofEpochMilli(rs.getLong("at")));
    }
}
