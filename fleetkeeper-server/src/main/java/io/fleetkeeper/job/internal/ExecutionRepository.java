package io.fleetkeeper.job.internal;

import io.fleetkeeper.device.DeviceIdQuery;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.store.AdHocQueries;
import io.fleetkeeper.store.Dialect;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code job_executions} table: one row per (job, device), ever. Every status change is conditional on the
 * current status, so two racing changes (a device's result and a time-out, a result and a cancel) resolve to
 * one.
 */
@Repository
public class ExecutionRepository {

    /** A stored execution; times are epoch millis. */
    public record Row(UUID tenantId, UUID jobId, UUID deviceId, ExecutionStatus status, int attempt, long dueAt,
            long queuedAt, Long startedAt, Long finishedAt, long updatedAt, UUID commandId, String details) {
    }

    /** An execution just claimed: its device and attempt. */
    public record Claimed(UUID deviceId, int attempt) {
    }

    private static final String COLUMNS = "tenant_id, job_id, device_id, status, attempt, due_at, queued_at,"
            + " started_at, finished_at, updated_at, command_id, details";

    /** What one targeting page did: devices in the page, the page's last id (null when empty), executions added. */
    public record Targeted(int matched, UUID last, int added) {
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final Dialect dialect;
    private final AdHocQueries adHoc;

    ExecutionRepository(JdbcClient jdbc, JdbcTemplate template, Dialect dialect, AdHocQueries adHoc) {
        this.jdbc = jdbc;
        this.template = template;
        this.dialect = dialect;
        this.adHoc = adHoc;
    }

    /**
     * Adds a QUEUED execution for every device of {@code page} (the device feature's query of device ids: one
     * column {@code id}, in id order, its text opaque here) that has none in the job yet. PostgreSQL does it in one
     * statement, so the ids never travel through the server: {@code WITH page AS MATERIALIZED (…), added AS
     * (INSERT … SELECT … FROM page ON CONFLICT DO NOTHING RETURNING 1)}, planned with its values. SQLite reads the
     * page and inserts it as a batch.
     */
    public Targeted targetPage(UUID tenantId, UUID jobId, DeviceIdQuery page, long now) {
        String t = tenantId.toString();
        String j = jobId.toString();
        if (dialect == Dialect.POSTGRESQL) {
            List<Object> params = new ArrayList<>(page.params());
            params.addAll(List.of(t, j, now, now, now));
            return adHoc.list("WITH page AS MATERIALIZED (" + page.sql() + "),"
                    + " added AS (INSERT INTO job_executions (" + COLUMNS + ") SELECT ?, ?, id, 'QUEUED', 0, ?, ?,"
                    + " NULL, NULL, ?, NULL, NULL FROM page ON CONFLICT DO NOTHING RETURNING 1)"
                    + " SELECT (SELECT COUNT(*) FROM page) AS matched,"
                    + " (SELECT id FROM page ORDER BY id DESC LIMIT 1) AS last,"
                    + " (SELECT COUNT(*) FROM added) AS added", params,
                    (rs, n) -> new Targeted(rs.getInt("matched"),
                            rs.getString("last") == null ? null : UUID.fromString(rs.getString("last")),
                            rs.getInt("added"))).getFirst();
        }
        List<UUID> ids = adHoc.list(page.sql(), page.params(), (rs, n) -> UUID.fromString(rs.getString(1)));
        int added = 0;
        for (int c : insertQueued(tenantId, jobId, ids, now)) {
            added += c; // SQLite answers 1 per row inserted, 0 per row skipped
        }
        return new Targeted(ids.size(), ids.isEmpty() ? null : ids.getLast(), added);
    }

    /**
     * Inserts QUEUED executions (one JDBC batch); a device that already has one keeps it. Returns the driver's
     * count per row (on PostgreSQL the rewritten batch reports no per-row counts).
     */
    public int[] insertQueued(UUID tenantId, UUID jobId, List<UUID> deviceIds, long now) {
        if (deviceIds.isEmpty()) {
            return new int[0];
        }
        String t = tenantId.toString();
        String j = jobId.toString();
        return template.batchUpdate("INSERT INTO job_executions (" + COLUMNS + ") VALUES (?, ?, ?, 'QUEUED', 0, ?, ?, NULL,"
                        + " NULL, ?, NULL, NULL) ON CONFLICT DO NOTHING",
                deviceIds.stream().map(d -> new Object[] {t, j, d.toString(), now, now, now}).toList());
    }

    /**
     * Claims up to {@code limit} QUEUED executions due by {@code now}, oldest first: they become IN_PROGRESS
     * with {@code deadline} as their due time. Concurrent claimers never get the same row.
     * <p>PostgreSQL: the pick ({@code FOR UPDATE SKIP LOCKED}) and the update are two statements, the update one
     * primary-key lookup per row (a JDBC batch). A single statement joining the pick back to the table was
     * planned, while the table's statistics were still those of an empty table (a job's first minutes), as a scan
     * of every queued row per picked row: 34 s for one batch of a 1,000,000-execution job. As
     * {@code IN (SELECT … LIMIT … SKIP LOCKED)} it could also be re-run per row and claim more than the limit.
     * SQLite has one writer and plans the single statement by primary key.
     */
    public List<Claimed> claim(UUID tenantId, UUID jobId, long now, long deadline, int limit) {
        String t = tenantId.toString();
        String j = jobId.toString();
        if (dialect == Dialect.POSTGRESQL) {
            List<Claimed> picked = jdbc.sql("SELECT device_id, attempt FROM job_executions WHERE tenant_id = ?"
                            + " AND job_id = ? AND status = 'QUEUED' AND due_at <= ? ORDER BY due_at LIMIT ?"
                            + " FOR UPDATE SKIP LOCKED")
                    .params(t, j, now, limit)
                    .query((rs, n) -> new Claimed(UUID.fromString(rs.getString(1)), rs.getInt(2))).list();
            if (!picked.isEmpty()) {
                template.batchUpdate("UPDATE job_executions SET status = 'IN_PROGRESS', started_at = ?, due_at = ?,"
                                + " updated_at = ? WHERE tenant_id = ? AND job_id = ? AND device_id = ?",
                        picked.stream().map(c -> new Object[] {now, deadline, now, t, j, c.deviceId().toString()})
                                .toList());
            }
            return picked;
        }
        return jdbc.sql("WITH picked AS MATERIALIZED (SELECT device_id FROM job_executions"
                        + " WHERE tenant_id = ? AND job_id = ? AND status = 'QUEUED' AND due_at <= ?"
                        + " ORDER BY due_at LIMIT ?)"
                        + " UPDATE job_executions SET status = 'IN_PROGRESS', started_at = ?, due_at = ?, updated_at = ?"
                        + " WHERE tenant_id = ? AND job_id = ? AND device_id IN (SELECT device_id FROM picked)"
                        + " AND status = 'QUEUED' RETURNING device_id, attempt")
                .params(t, j, now, limit, now, deadline, now, t, j)
                .query((rs, n) -> new Claimed(UUID.fromString(rs.getString(1)), rs.getInt(2))).list();
    }

    /**
     * Refreshes the planner's statistics of the executions table (PostgreSQL; SQLite plans by its indexes). A
     * job's first targeting pages turn an empty table into a large one faster than autovacuum notices.
     */
    public void analyze() {
        if (dialect == Dialect.POSTGRESQL) {
            jdbc.sql("ANALYZE job_executions").update();
        }
    }

    /** Stores the command each claimed execution sent. */
    public void setCommands(UUID tenantId, UUID jobId, Map<UUID, UUID> commandByDevice) {
        String t = tenantId.toString();
        String j = jobId.toString();
        template.batchUpdate("UPDATE job_executions SET command_id = ? WHERE tenant_id = ? AND job_id = ?"
                        + " AND device_id = ?",
                commandByDevice.entrySet().stream()
                        .map(e -> new Object[] {e.getValue().toString(), t, j, e.getKey().toString()}).toList());
    }

    /**
     * Ends an IN_PROGRESS execution with {@code to} (when {@code commandId} is given, only while it still tracks
     * that command). False when it was not in progress.
     */
    public boolean finish(UUID tenantId, UUID jobId, UUID deviceId, UUID commandId, ExecutionStatus to,
            String details, long now) {
        return jdbc.sql("UPDATE job_executions SET status = ?, finished_at = ?, updated_at = ?, details = ?"
                        + " WHERE tenant_id = ? AND job_id = ? AND device_id = ? AND status = 'IN_PROGRESS'"
                        + commandCondition(commandId))
                .params(params(List.of(to.name(), now, now), details, tenantId, jobId, deviceId, commandId))
                .update() == 1;
    }

    /**
     * Puts an IN_PROGRESS execution back in the queue for another attempt, if it has had fewer than
     * {@code maxRetries} retries. False otherwise. It is due from its last start, so retries go before
     * executions queued later (and the due time comes from the dispatching node's clock).
     */
    public boolean retry(UUID tenantId, UUID jobId, UUID deviceId, UUID commandId, int maxRetries, String details,
            long now) {
        List<Object> params = params(List.of(now), details, tenantId, jobId, deviceId, commandId);
        params.add(maxRetries);
        return jdbc.sql("UPDATE job_executions SET status = 'QUEUED', attempt = attempt + 1,"
                        + " due_at = COALESCE(started_at, due_at), updated_at = ?, details = ?, command_id = NULL,"
                        + " started_at = NULL"
                        + " WHERE tenant_id = ? AND job_id = ? AND device_id = ? AND status = 'IN_PROGRESS'"
                        + commandCondition(commandId) + " AND attempt < ?")
                .params(params).update() == 1;
    }

    /** In-progress executions whose deadline has passed. */
    public List<Row> overdue(UUID tenantId, UUID jobId, long now, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM job_executions WHERE tenant_id = ? AND job_id = ?"
                        + " AND status = 'IN_PROGRESS' AND due_at <= ? ORDER BY due_at LIMIT ?")
                .params(tenantId.toString(), jobId.toString(), now, limit).query(ExecutionRepository::row).list();
    }

    /**
     * Cancels up to {@code limit} IN_PROGRESS executions (a forced cancel); returns each one's device and the
     * command it tracked (null for none). Picked with {@code SKIP LOCKED} and updated by primary key on
     * PostgreSQL, as {@link #claim} does.
     */
    public Map<UUID, UUID> cancelInProgress(UUID tenantId, UUID jobId, String details, long now, int limit) {
        String t = tenantId.toString();
        String j = jobId.toString();
        Map<UUID, UUID> canceled = new java.util.LinkedHashMap<>();
        String lock = dialect == Dialect.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
        jdbc.sql("SELECT device_id, command_id FROM job_executions WHERE tenant_id = ? AND job_id = ?"
                        + " AND status = 'IN_PROGRESS' LIMIT ?" + lock)
                .params(t, j, limit)
                .query(rs -> {
                    String c = rs.getString(2);
                    canceled.put(UUID.fromString(rs.getString(1)), c == null ? null : UUID.fromString(c));
                });
        if (!canceled.isEmpty()) {
            template.batchUpdate("UPDATE job_executions SET status = 'CANCELED', finished_at = ?, updated_at = ?,"
                            + " details = ? WHERE tenant_id = ? AND job_id = ? AND device_id = ?",
                    canceled.keySet().stream().map(d -> new Object[] {now, now, details, t, j, d.toString()}).toList());
        }
        return canceled;
    }

    /** Cancels up to {@code limit} QUEUED executions; returns how many. */
    public int cancelQueued(UUID tenantId, UUID jobId, String details, long now, int limit) {
        return jdbc.sql("WITH picked AS MATERIALIZED (SELECT device_id FROM job_executions WHERE tenant_id = ?"
                        + " AND job_id = ? AND status = 'QUEUED' LIMIT ?)"
                        + " UPDATE job_executions SET status = 'CANCELED', finished_at = ?, updated_at = ?, details = ?"
                        + " WHERE tenant_id = ? AND job_id = ? AND device_id IN (SELECT device_id FROM picked)"
                        + " AND status = 'QUEUED'")
                .params(tenantId.toString(), jobId.toString(), limit, now, now, details, tenantId.toString(),
                        jobId.toString())
                .update();
    }

    /** Whether the job has an execution in {@code status} (an index probe, cheap at any job size). */
    public boolean any(UUID tenantId, UUID jobId, ExecutionStatus status) {
        return jdbc.sql("SELECT 1 FROM job_executions WHERE tenant_id = ? AND job_id = ? AND status = ? LIMIT 1")
                .params(tenantId.toString(), jobId.toString(), status.name()).query(Integer.class).optional()
                .isPresent();
    }

    /** Executions per state (every state present, zeros included). */
    public Map<ExecutionStatus, Long> counts(UUID tenantId, UUID jobId) {
        Map<ExecutionStatus, Long> counts = new EnumMap<>(ExecutionStatus.class);
        for (ExecutionStatus s : ExecutionStatus.values()) {
            counts.put(s, 0L);
        }
        jdbc.sql("SELECT status, COUNT(*) FROM job_executions WHERE tenant_id = ? AND job_id = ? GROUP BY status")
                .params(tenantId.toString(), jobId.toString())
                .query(rs -> {
                    counts.put(ExecutionStatus.valueOf(rs.getString(1)), rs.getLong(2));
                });
        return counts;
    }

    public Optional<Row> find(UUID tenantId, UUID jobId, UUID deviceId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM job_executions WHERE tenant_id = ? AND job_id = ?"
                        + " AND device_id = ?")
                .params(tenantId.toString(), jobId.toString(), deviceId.toString())
                .query(ExecutionRepository::row).optional();
    }

    /** A job's executions in device id order after {@code afterDevice}; optionally one status. */
    public List<Row> list(UUID tenantId, UUID jobId, ExecutionStatus status, UUID afterDevice, int fetch) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM job_executions WHERE tenant_id = ?"
                + " AND job_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), jobId.toString()));
        if (status != null) {
            sql.append(" AND status = ?");
            params.add(status.name());
        }
        if (afterDevice != null) {
            sql.append(" AND device_id > ?");
            params.add(afterDevice.toString());
        }
        sql.append(" ORDER BY device_id LIMIT ?");
        params.add(fetch);
        return jdbc.sql(sql.toString()).params(params).query(ExecutionRepository::row).list();
    }

    /** A device's executions across jobs, newest job first, job ids below {@code beforeJob}. */
    public List<Row> forDevice(UUID tenantId, UUID deviceId, UUID beforeJob, int fetch) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM job_executions WHERE tenant_id = ?"
                + " AND device_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), deviceId.toString()));
        if (beforeJob != null) {
            sql.append(" AND job_id < ?");
            params.add(beforeJob.toString());
        }
        sql.append(" ORDER BY job_id DESC LIMIT ?");
        params.add(fetch);
        return jdbc.sql(sql.toString()).params(params).query(ExecutionRepository::row).list();
    }

    /** Forgets a purged device's executions. */
    public void deleteDevice(UUID tenantId, UUID deviceId) {
        jdbc.sql("DELETE FROM job_executions WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update();
    }

    private static String commandCondition(UUID commandId) {
        return commandId == null ? "" : " AND command_id = ?";
    }

    private static List<Object> params(List<Object> head, String details, UUID tenantId, UUID jobId, UUID deviceId,
            UUID commandId) {
        List<Object> params = new ArrayList<>(head);
        params.add(details);
        params.add(tenantId.toString());
        params.add(jobId.toString());
        params.add(deviceId.toString());
        if (commandId != null) {
            params.add(commandId.toString());
        }
        return params;
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        String command = rs.getString(11);
        return new Row(UUID.fromString(rs.getString(1)), UUID.fromString(rs.getString(2)),
                UUID.fromString(rs.getString(3)), ExecutionStatus.valueOf(rs.getString(4)), rs.getInt(5),
                rs.getLong(6), rs.getLong(7), nullableLong(rs, 8), nullableLong(rs, 9), rs.getLong(10),
                command == null ? null : UUID.fromString(command), rs.getString(12));
    }
}
