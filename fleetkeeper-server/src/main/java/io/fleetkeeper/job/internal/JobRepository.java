package io.fleetkeeper.job.internal;

import io.fleetkeeper.job.JobStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code jobs} table. Status changes are conditional on the current status (and version when the caller
 * gives one); the runner's writes are fenced by its lease.
 */
@Repository
public class JobRepository {

    /** A stored job; times are epoch millis. */
    public record Row(UUID tenantId, UUID id, String name, String description, JobStatus status,
            String statusReason, String spec, boolean continuous, String idempotencyKey, String actor,
            long createdAt, long updatedAt, Long finishedAt, long version, long targeted, String targetCursor,
            boolean targetingDone, Long nextScanAt, Long ratePerMinute, Long scheduleStart, long scheduleCount,
            String recentStarts, long rampMark, long startedTotal, boolean active, boolean forceCancel,
            String leaseHolder, Long leaseUntil) {
    }

    private static final String COLUMNS = "tenant_id, id, name, description, status, status_reason, spec,"
            + " continuous, idempotency_key, actor, created_at, updated_at, finished_at, version, targeted,"
            + " target_cursor, targeting_done, next_scan_at, rate_per_minute, schedule_start, schedule_count,"
            + " recent_starts, ramp_mark, started_total, active, force_cancel, lease_holder, lease_until";

    private final JdbcClient jdbc;

    JobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts a new job; false when its idempotency key is taken. */
    public boolean insert(Row r) {
        return jdbc.sql("INSERT INTO jobs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .params(r.tenantId().toString(), r.id().toString(), r.name(), r.description(), r.status().name(),
                        r.statusReason(), r.spec(), r.continuous(), r.idempotencyKey(), r.actor(), r.createdAt(),
                        r.updatedAt(), r.finishedAt(), r.version(), r.targeted(), r.targetCursor(),
                        r.targetingDone(), r.nextScanAt(), r.ratePerMinute(), r.scheduleStart(), r.scheduleCount(),
                        r.recentStarts(), r.rampMark(), r.startedTotal(), r.active(), r.forceCancel(),
                        r.leaseHolder(), r.leaseUntil())
                .update() == 1;
    }

    public Optional<Row> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM jobs WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(JobRepository::row).optional();
    }

    public Optional<Row> findByKey(UUID tenantId, String key) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM jobs WHERE tenant_id = ? AND idempotency_key = ?")
                .params(tenantId.toString(), key).query(JobRepository::row).optional();
    }

    /** The tenant's jobs, newest first, ids below {@code beforeId}; optionally one status. */
    public List<Row> list(UUID tenantId, JobStatus status, UUID beforeId, int fetch) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
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
        return jdbc.sql(sql.toString()).params(params).query(JobRepository::row).list();
    }

    /**
     * Moves the job from one of {@code from} to {@code to} (and, when {@code expectedVersion} is given, only at
     * that version). A final status stamps {@code finished_at}; {@code resetSchedule} restarts the rollout
     * schedule (a resume). False when the job was in another state or version.
     */
    public boolean changeStatus(UUID tenantId, UUID id, List<JobStatus> from, JobStatus to, String reason,
            Long expectedVersion, boolean force, boolean resetSchedule, long now) {
        StringBuilder sql = new StringBuilder("UPDATE jobs SET status = ?, status_reason = COALESCE(?, status_reason),"
                + " version = version + 1, updated_at = ?, force_cancel = ?");
        List<Object> params = new ArrayList<>(List.of(to.name()));
        params.add(reason);
        params.add(now);
        params.add(force);
        if (to.terminal()) {
            sql.append(", finished_at = ?");
            params.add(now);
        }
        if (resetSchedule) { // the runner starts a new schedule at its next dispatch, on its clock
            sql.append(", schedule_start = NULL, schedule_count = 0");
        }
        sql.append(" WHERE tenant_id = ? AND id = ? AND status IN (")
                .append(String.join(", ", from.stream().map(s -> "'" + s.name() + "'").toList())).append(')');
        params.add(tenantId.toString());
        params.add(id.toString());
        if (expectedVersion != null) {
            sql.append(" AND version = ?");
            params.add(expectedVersion);
        }
        return jdbc.sql(sql.toString()).params(params).update() == 1;
    }

    /**
     * Jobs with work left whose lease is free, expired or this node's, least recently leased first (never leased
     * first of all: PostgreSQL sorts NULL last by default, which left a new job behind every leased one).
     */
    public List<Row> runnable(String node, long now, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM jobs WHERE active AND (lease_holder IS NULL OR lease_holder = ?"
                        + " OR lease_until < ?) ORDER BY lease_until NULLS FIRST LIMIT ?")
                .params(node, now, limit).query(JobRepository::row).list();
    }

    /** Takes or renews the job's lease for this node; false when another node holds a live one. */
    public boolean lease(UUID tenantId, UUID id, String node, long now, long until) {
        return jdbc.sql("UPDATE jobs SET lease_holder = ?, lease_until = ? WHERE tenant_id = ? AND id = ? AND active"
                        + " AND (lease_holder IS NULL OR lease_holder = ? OR lease_until < ?)")
                .params(node, until, tenantId.toString(), id.toString(), node, now).update() == 1;
    }

    /**
     * The fence of every runner transaction: true only while this node holds a live lease (and the job is in
     * {@code status} when given). On PostgreSQL it also locks the row until commit, so a pause or cancel waits
     * for the batch in flight, and the batch sees the status they leave.
     */
    public Optional<Row> fence(UUID tenantId, UUID id, String node, long now) {
        int n = jdbc.sql("UPDATE jobs SET lease_until = lease_until WHERE tenant_id = ? AND id = ? AND lease_holder = ?"
                        + " AND lease_until >= ?")
                .params(tenantId.toString(), id.toString(), node, now).update();
        return n == 1 ? find(tenantId, id) : Optional.empty();
    }

    /** Records a targeting page: executions added, the cursor, and whether a pass ended. */
    public void saveTargeting(UUID tenantId, UUID id, long added, String cursor, boolean done, Long nextScanAt,
            long now) {
        jdbc.sql("UPDATE jobs SET targeted = targeted + ?, target_cursor = ?, targeting_done = ?, next_scan_at = ?,"
                        + " updated_at = ? WHERE tenant_id = ? AND id = ?")
                .params(added, cursor, done, nextScanAt, now, tenantId.toString(), id.toString()).update();
    }

    /** Records a dispatch batch's starts and the rollout state after it. */
    public void saveRollout(UUID tenantId, UUID id, long started, Long rate, long scheduleStart, long scheduleCount,
            String recentStarts, long rampMark, long now) {
        jdbc.sql("UPDATE jobs SET started_total = started_total + ?, rate_per_minute = ?, schedule_start = ?,"
                        + " schedule_count = ?, recent_starts = ?, ramp_mark = ?, updated_at = ?"
                        + " WHERE tenant_id = ? AND id = ?")
                .params(started, rate, scheduleStart, scheduleCount, recentStarts, rampMark, now,
                        tenantId.toString(), id.toString()).update();
    }

    /** A staged rollout's state: the wave rolling out and when it passed its success threshold (null: not yet). */
    public record WaveState(int wave, Long passedAt) {
    }

    public WaveState wave(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT wave, wave_passed_at FROM jobs WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString())
                .query((rs, n) -> new WaveState(rs.getInt(1), nullableLong(rs, 2))).optional()
                .orElse(new WaveState(0, null));
    }

    public void saveWave(UUID tenantId, UUID id, int wave, Long passedAt, long now) {
        jdbc.sql("UPDATE jobs SET wave = ?, wave_passed_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?")
                .params(wave, passedAt, now, tenantId.toString(), id.toString()).update();
    }

    /** The runner has nothing left to do for the job. */
    public void retire(UUID tenantId, UUID id, long now) {
        jdbc.sql("UPDATE jobs SET active = ?, lease_holder = NULL, lease_until = NULL, updated_at = ?"
                        + " WHERE tenant_id = ? AND id = ?")
                .params(false, now, tenantId.toString(), id.toString()).update();
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        return new Row(UUID.fromString(rs.getString(1)), UUID.fromString(rs.getString(2)), rs.getString(3),
                rs.getString(4), JobStatus.valueOf(rs.getString(5)), rs.getString(6), rs.getString(7),
                rs.getBoolean(8), rs.getString(9), rs.getString(10), rs.getLong(11), rs.getLong(12),
                nullableLong(rs, 13), rs.getLong(14), rs.getLong(15), rs.getString(16), rs.getBoolean(17),
                nullableLong(rs, 18), nullableLong(rs, 19), nullableLong(rs, 20), rs.getLong(21), rs.getString(22),
                rs.getLong(23), rs.getLong(24), rs.getBoolean(25), rs.getBoolean(26), rs.getString(27),
                nullableLong(rs, 28));
    }
}
