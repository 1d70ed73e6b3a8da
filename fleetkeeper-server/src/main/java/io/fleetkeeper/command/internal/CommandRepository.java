package io.fleetkeeper.command.internal;

import io.fleetkeeper.command.CommandStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code commands} table. Every status change is an UPDATE conditional on the current status. */
@Repository
public class CommandRepository {

    /** A stored command; payload and result are JSON text, times epoch millis (null when not reached). */
    public record Row(UUID tenantId, UUID id, UUID deviceId, String name, String payload, CommandStatus status,
            String idempotencyKey, String actor, long createdAt, long expiresAt, Long sentAt, Long deliveredAt,
            Long finishedAt, String result, UUID jobId) {
    }

    private static final String COLUMNS = "tenant_id, id, device_id, name, payload, status, idempotency_key, actor,"
            + " created_at, expires_at, sent_at, delivered_at, finished_at, result, job_id";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    CommandRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** Inserts a QUEUED command; false when the idempotency key is taken for the device. */
    public boolean insert(Row r) {
        return jdbc.sql(INSERT + " ON CONFLICT DO NOTHING").params(values(r)).update() == 1;
    }

    /** Inserts QUEUED commands without idempotency keys (a job's), as one JDBC batch. */
    public void insertAll(List<Row> rows) {
        template.batchUpdate(INSERT, rows.stream().map(CommandRepository::values).toList());
    }

    private static final String INSERT = "INSERT INTO commands (" + COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static Object[] values(Row r) {
        return new Object[] {r.tenantId().toString(), r.id().toString(), r.deviceId().toString(), r.name(),
                r.payload(), r.status().name(), r.idempotencyKey(), r.actor(), r.createdAt(), r.expiresAt(),
                r.sentAt(), r.deliveredAt(), r.finishedAt(), r.result(),
                r.jobId() == null ? null : r.jobId().toString()};
    }

    public Optional<Row> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM commands WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(CommandRepository::row).optional();
    }

    public Optional<Row> findByKey(UUID tenantId, UUID deviceId, String key) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM commands WHERE tenant_id = ? AND device_id = ?"
                        + " AND idempotency_key = ?")
                .params(tenantId.toString(), deviceId.toString(), key).query(CommandRepository::row).optional();
    }

    /** Frees an idempotency key whose command's TTL has passed, so it can be used again. */
    public void releaseKey(UUID tenantId, UUID deviceId, String key, long now) {
        jdbc.sql("UPDATE commands SET idempotency_key = NULL WHERE tenant_id = ? AND device_id = ?"
                        + " AND idempotency_key = ? AND expires_at <= ?")
                .params(tenantId.toString(), deviceId.toString(), key, now).update();
    }

    /** A device's commands, newest first, ids below {@code beforeId}; optionally one status. */
    public List<Row> list(UUID tenantId, UUID deviceId, CommandStatus status, UUID beforeId, int fetch) {
        List<Object> params = new java.util.ArrayList<>(List.of(tenantId.toString(), deviceId.toString()));
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM commands WHERE tenant_id = ?"
                + " AND device_id = ?");
        if (status != null) {
            sql.append(" AND status = ?");
            params.add(status.name());
        }
        if (beforeId != null) {
            sql.append(" AND id < ?");
            params.add(beforeId.toString());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(fetch);
        return jdbc.sql(sql.toString()).params(params).query(CommandRepository::row).list();
    }

    /** Commands not yet delivered (QUEUED or SENT) whose TTL runs, oldest first. */
    public List<Row> pending(UUID tenantId, UUID deviceId, long now, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM commands WHERE tenant_id = ? AND device_id = ?"
                        + " AND status IN ('QUEUED', 'SENT') AND expires_at > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), deviceId.toString(), now, limit)
                .query(CommandRepository::row).list();
    }

    /** Open commands (QUEUED, SENT, DELIVERED) whose TTL has passed, any tenant. */
    public List<Row> overdue(long now, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM commands WHERE status IN ('QUEUED', 'SENT', 'DELIVERED')"
                        + " AND expires_at <= ? ORDER BY expires_at LIMIT ?")
                .params(now, limit).query(CommandRepository::row).list();
    }

    /** A command that moved, and the job that sent it (null for a command to the device alone). */
    public record Moved(UUID jobId) {
    }

    /**
     * Moves a command to {@code to} only if its status is one of {@code CommandStatus.sources(to)}, stamping
     * the state's time (and storing the result for SUCCEEDED / FAILED / REJECTED). Null when it was in another
     * state.
     */
    public Moved transition(UUID tenantId, UUID id, CommandStatus to, long at, String result) {
        Set<CommandStatus> from = CommandStatus.sources(to);
        if (from.isEmpty()) {
            return null;
        }
        String column = switch (to) {
            case SENT -> "sent_at";
            case DELIVERED -> "delivered_at";
            default -> "finished_at";
        };
        String in = from.stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", "));
        List<Moved> moved = jdbc.sql("UPDATE commands SET status = ?, " + column + " = ?, result = COALESCE(?, result)"
                        + " WHERE tenant_id = ? AND id = ? AND status IN (" + in + ") RETURNING job_id")
                .params(to.name(), at, result, tenantId.toString(), id.toString())
                .query((rs, n) -> new Moved(rs.getString(1) == null ? null : UUID.fromString(rs.getString(1))))
                .list();
        return moved.isEmpty() ? null : moved.getFirst();
    }

    /**
     * Cancels open commands (QUEUED, SENT, DELIVERED) in one JDBC batch; returns those that were open and are
     * now CANCELED.
     */
    public List<UUID> cancelAll(UUID tenantId, List<UUID> ids, long at) {
        String t = tenantId.toString();
        int[] counts = template.batchUpdate("UPDATE commands SET status = 'CANCELED', finished_at = ?"
                        + " WHERE tenant_id = ? AND id = ? AND status IN ('QUEUED', 'SENT', 'DELIVERED')",
                ids.stream().map(id -> new Object[] {at, t, id.toString()}).toList());
        List<UUID> canceled = new java.util.ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (counts[i] != 0) { // 1, or SUCCESS_NO_INFO when the driver does not count
                canceled.add(ids.get(i));
            }
        }
        return canceled;
    }

    /** Forgets a purged device's commands. */
    public void deleteDevice(UUID tenantId, UUID deviceId) {
        jdbc.sql("DELETE FROM commands WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update();
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        return new Row(UUID.fromString(rs.getString(1)), UUID.fromString(rs.getString(2)),
                UUID.fromString(rs.getString(3)), rs.getString(4), rs.getString(5),
                CommandStatus.valueOf(rs.getString(6)), rs.getString(7), rs.getString(8), rs.getLong(9),
                rs.getLong(10), nullableLong(rs, 11), nullableLong(rs, 12),
                nullableLong(rs, 13), rs.getString(14), rs.getString(15) == null ? null : UUID.fromString(rs.getString(15)));
    }
}
