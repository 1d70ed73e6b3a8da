package io.fleetkeeper.export.internal;

import io.fleetkeeper.export.Export;
import io.fleetkeeper.export.ExportStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code exports} table. */
@Repository
public class ExportRepository {

    private static final String COLUMNS = "id, kind, format, compression, query, columns, range_from, range_to,"
            + " status, row_count, size, sha256, error, created_by, created_at, finished_at, expires_at, schedule_id,"
            + " version";

    /** A claimed export: its tenant and row. */
    public record Claimed(UUID tenantId, Export export) {
    }

    private final JdbcClient jdbc;

    ExportRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, Export e) {
        jdbc.sql("INSERT INTO exports (tenant_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), e.id().toString(), e.kind(), e.format(), e.compression(), e.query(),
                        e.columns() == null ? null : String.join(",", e.columns()), millis(e.from()), millis(e.to()),
                        e.status().name(), e.rowCount(), e.size(), e.sha256(),
                        e.error(), e.createdBy(), e.createdAt().toEpochMilli(), millis(e.finishedAt()),
                        millis(e.expiresAt()),
                        e.scheduleId() == null ? null : e.scheduleId().toString(), e.version())
                .update();
    }

    public Optional<Export> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM exports WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(ExportRepository::row).optional();
    }

    /** Newest first, after {@code beforeId}. */
    public List<Export> list(UUID tenantId, UUID beforeId, int fetch) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM exports WHERE tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (beforeId != null) {
            sql.append(" AND id < ?");
            params.add(beforeId.toString());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(fetch);
        return jdbc.sql(sql.toString()).params(params).query(ExportRepository::row).list();
    }

    /**
     * Takes the oldest queued export, or a running one whose holder's lease expired (it restarts from the
     * beginning), for {@code holder} until {@code leaseUntil}.
     */
    public Optional<Claimed> claim(String holder, long now, long leaseUntil) {
        List<String[]> candidates = jdbc.sql("SELECT tenant_id, id FROM exports WHERE status = 'QUEUED'"
                        + " OR (status = 'RUNNING' AND lease_until < ?) ORDER BY created_at LIMIT 5")
                .param(now).query((rs, i) -> new String[] {rs.getString(1), rs.getString(2)}).list();
        for (String[] c : candidates) {
            int taken = jdbc.sql("UPDATE exports SET status = 'RUNNING', lease_holder = ?, lease_until = ?,"
                            + " row_count = 0, version = version + 1 WHERE tenant_id = ? AND id = ?"
                            + " AND (status = 'QUEUED' OR (status = 'RUNNING' AND lease_until < ?))")
                    .params(holder, leaseUntil, c[0], c[1], now).update();
            if (taken == 1) {
                UUID tenantId = UUID.fromString(c[0]);
                return find(tenantId, UUID.fromString(c[1])).map(e -> new Claimed(tenantId, e));
            }
        }
        return Optional.empty();
    }

    /** Extends the lease and records progress; false when the export is no longer ours (canceled, deleted, taken). */
    public boolean renew(UUID tenantId, UUID id, String holder, long leaseUntil, long rows) {
        return jdbc.sql("UPDATE exports SET lease_until = ?, row_count = ? WHERE tenant_id = ? AND id = ?"
                        + " AND status = 'RUNNING' AND lease_holder = ?")
                .params(leaseUntil, rows, tenantId.toString(), id.toString(), holder).update() == 1;
    }

    /** Marks a running export of ours finished; false when it is no longer ours. */
    public boolean finish(UUID tenantId, UUID id, String holder, ExportStatus status, long rows, Long size,
            String sha256, String error, long now, long expiresAt) {
        return jdbc.sql("UPDATE exports SET status = ?, row_count = ?, size = ?, sha256 = ?, error = ?,"
                        + " finished_at = ?, expires_at = ?, lease_holder = NULL, lease_until = NULL,"
                        + " version = version + 1 WHERE tenant_id = ? AND id = ? AND status = 'RUNNING'"
                        + " AND lease_holder = ?")
                .params(status.name(), rows, size, sha256, error, now, expiresAt, tenantId.toString(),
                        id.toString(), holder).update() == 1;
    }

    /** Cancels a queued or running export; false when it already finished. */
    public boolean cancel(UUID tenantId, UUID id, long now, long expiresAt) {
        return jdbc.sql("UPDATE exports SET status = 'CANCELED', finished_at = ?, expires_at = ?,"
                        + " lease_holder = NULL, lease_until = NULL, version = version + 1"
                        + " WHERE tenant_id = ? AND id = ? AND status IN ('QUEUED', 'RUNNING')")
                .params(now, expiresAt, tenantId.toString(), id.toString()).update() == 1;
    }

    public boolean delete(UUID tenantId, UUID id) {
        return jdbc.sql("DELETE FROM exports WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).update() == 1;
    }

    /** Finished exports past their expiry, oldest first. */
    public List<Claimed> expired(long now, int limit) {
        return jdbc.sql("SELECT tenant_id, " + COLUMNS + " FROM exports WHERE expires_at < ? ORDER BY expires_at"
                        + " LIMIT ?")
                .params(now, limit)
                .query((rs, i) -> new Claimed(UUID.fromString(rs.getString("tenant_id")), row(rs, i))).list();
    }

    /** A schedule's finished exports beyond the newest {@code keep}. */
    public List<Export> surplusOfSchedule(UUID tenantId, UUID scheduleId, int keep) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM exports WHERE tenant_id = ? AND schedule_id = ?"
                        + " AND status IN ('SUCCEEDED', 'FAILED', 'CANCELED') ORDER BY created_at DESC, id DESC"
                        + " LIMIT 1000 OFFSET ?")
                .params(tenantId.toString(), scheduleId.toString(), keep).query(ExportRepository::row).list();
    }

    private static Export row(ResultSet rs, int i) throws SQLException {
        return new Export(UUID.fromString(rs.getString("id")), rs.getString("kind"), rs.getString("format"),
                rs.getString("compression"), rs.getString("query"), rs.getString("columns") == null ? null
                        : List.of(rs.getString("columns").split(",")), instant(rs, "range_from"),
                instant(rs, "range_to"), ExportStatus.valueOf(rs.getString("status")), rs.getLong("row_count"),
                io.fleetkeeper.store.Times.nullableLong(rs, "size"), rs.getString("sha256"), rs.getString("error"),
                rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_at")),
                instant(rs, "finished_at"), instant(rs, "expires_at"), rs.getString("schedule_id") == null ? null
                        : UUID.fromString(rs.getString("schedule_id")), rs.getLong("version"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static Long millis(Instant t) {
        return t == null ? null : t.toEpochMilli();
    }
}
