package io.fleetkeeper.export.internal;

import io.fleetkeeper.export.ExportSchedule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code export_schedules} table. */
@Repository
public class ScheduleRepository {

    private static final String COLUMNS = "id, name, kind, format, compression, query, columns, window_ms, cron,"
            + " zone, retain, next_run_at, last_run_at, created_by, created_at, version, channel_id, last_delivery_at,"
            + " last_delivery_error";

    /** A due schedule: its tenant and row. */
    public record Due(UUID tenantId, ExportSchedule schedule) {
    }

    private final JdbcClient jdbc;

    ScheduleRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, ExportSchedule s) {
        jdbc.sql("INSERT INTO export_schedules (tenant_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), s.id().toString(), s.name(), s.kind(), s.format(), s.compression(),
                        s.query(), s.columns() == null ? null : String.join(",", s.columns()),
                        s.windowSeconds() == null ? null : s.windowSeconds() * 1000, s.cron(), s.zone(), s.retain(),
                        s.nextRunAt().toEpochMilli(), s.lastRunAt() == null ? null : s.lastRunAt().toEpochMilli(),
                        s.createdBy(), s.createdAt().toEpochMilli(), s.version(),
                        s.channelId() == null ? null : s.channelId().toString(),
                        s.lastDeliveryAt() == null ? null : s.lastDeliveryAt().toEpochMilli(), s.lastDeliveryError())
                .update();
    }

    public Optional<ExportSchedule> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM export_schedules WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(ScheduleRepository::row).optional();
    }

    /** Oldest first, after {@code afterId}. */
    public List<ExportSchedule> list(UUID tenantId, UUID afterId, int fetch) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM export_schedules WHERE tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (afterId != null) {
            sql.append(" AND id > ?");
            params.add(afterId.toString());
        }
        sql.append(" ORDER BY id LIMIT ?");
        params.add(fetch);
        return jdbc.sql(sql.toString()).params(params).query(ScheduleRepository::row).list();
    }

    /** Replaces a schedule's fields if it is still at {@code expectedVersion}; false when it moved on. */
    public boolean update(UUID tenantId, ExportSchedule s, long expectedVersion) {
        return jdbc.sql("UPDATE export_schedules SET name = ?, format = ?, compression = ?, query = ?, columns = ?,"
                        + " window_ms = ?, cron = ?, zone = ?, retain = ?, next_run_at = ?, channel_id = ?, version = ?"
                        + " WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(s.name(), s.format(), s.compression(), s.query(),
                        s.columns() == null ? null : String.join(",", s.columns()),
                        s.windowSeconds() == null ? null : s.windowSeconds() * 1000, s.cron(), s.zone(), s.retain(),
                        s.nextRunAt().toEpochMilli(), s.channelId() == null ? null : s.channelId().toString(),
                        s.version(), tenantId.toString(), s.id().toString(),
                        expectedVersion)
                .update() == 1;
    }

    public boolean delete(UUID tenantId, UUID id) {
        return jdbc.sql("DELETE FROM export_schedules WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).update() == 1;
    }

    /** Schedules whose next run is at or before {@code now}, most overdue first. */
    public List<Due> due(long now, int limit) {
        return jdbc.sql("SELECT tenant_id, " + COLUMNS + " FROM export_schedules WHERE next_run_at <= ?"
                        + " ORDER BY next_run_at LIMIT ?")
                .params(now, limit)
                .query((rs, i) -> new Due(UUID.fromString(rs.getString("tenant_id")), row(rs, i))).list();
    }

    /**
     * Moves a schedule from the run at {@code expected} to {@code next}; false when another node already did
     * (or it was deleted), so each run is queued once.
     */
    public boolean advance(UUID tenantId, UUID id, long expected, long next, long ranAt) {
        return jdbc.sql("UPDATE export_schedules SET next_run_at = ?, last_run_at = ?, version = version + 1"
                        + " WHERE tenant_id = ? AND id = ? AND next_run_at = ?")
                .params(next, ranAt, tenantId.toString(), id.toString(), expected).update() == 1;
    }

    /**
     * Records how a run's delivery went (error null: accepted); the schedule's version stays, so an edit under
     * If-Match is not refused for it.
     */
    public void recordDelivery(UUID tenantId, UUID id, long at, String error) {
        jdbc.sql("UPDATE export_schedules SET last_delivery_at = ?, last_delivery_error = ? WHERE tenant_id = ?"
                        + " AND id = ?")
                .params(at, error, tenantId.toString(), id.toString()).update();
    }

    private static ExportSchedule row(ResultSet rs, int i) throws SQLException {
        long window = rs.getLong("window_ms");
        Long windowSeconds = rs.wasNull() ? null : window / 1000;
        long last = rs.getLong("last_run_at");
        Instant lastRun = rs.wasNull() ? null : Instant.ofEpochMilli(last);
        String columns = rs.getString("columns");
        String channel = rs.getString("channel_id");
        long delivered = rs.getLong("last_delivery_at");
        Instant lastDelivery = rs.wasNull() ? null : Instant.ofEpochMilli(delivered);
        return new ExportSchedule(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getString("kind"),
                rs.getString("format"), rs.getString("compression"), rs.getString("query"),
                columns == null ? null : List.of(columns.split(",")), windowSeconds, rs.getString("cron"),
                rs.getString("zone"), rs.getInt("retain"), Instant.ofEpochMilli(rs.getLong("next_run_at")), lastRun,
                rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_at")), rs.getLong("version"),
                channel == null ? null : UUID.fromString(channel), lastDelivery, rs.getString("last_delivery_error"));
    }
}
