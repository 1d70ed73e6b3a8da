package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.store.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Downsampled series from raw rows ({@code telemetry}) or from the hourly rollup ({@code telemetry_rollup}):
 * buckets of a fixed width aligned on the epoch, the numeric aggregates by {@code GROUP BY}, first and last by a
 * window function (both stores have {@code ROW_NUMBER()}), only when asked for. The same statements on both stores;
 * message ids order in binary (code point) order on both.
 */
@Repository
public class SeriesRepository {

    /** Where a series is read from; the rollup holds whole UTC hours, so only for widths of whole hours. */
    public enum Source {
        RAW("telemetry", "COUNT(*), COUNT(num), SUM(num), MIN(num), MAX(num)"),
        ROLLUP("telemetry_rollup", "SUM(cnt), SUM(num_cnt), SUM(num_sum), MIN(num_min), MAX(num_max)");

        private final String table;
        private final String aggregates;

        Source(String table, String aggregates) {
            this.table = table;
            this.aggregates = aggregates;
        }

        /** A column of a bucket's first or last row: the row's own on raw rows, {@code first_…}/{@code last_…}. */
        private String end(String column, boolean last) {
            return this == RAW ? column : (last ? "last_" : "first_") + column;
        }
    }

    /** A bucket's numeric aggregates, as parts that merge: avg is {@code sum / numCount}. */
    public record Aggregates(long bucket, String stream, String metric, long count, long numCount, Double sum,
            Double min, Double max) {
    }

    /** The value at one end of a bucket. */
    public record End(long bucket, String stream, String metric, TelemetryRepository.Row row) {
    }

    private final JdbcClient jdbc;
    private final String binary;

    SeriesRepository(JdbcClient jdbc, Dialect dialect) {
        this.jdbc = jdbc;
        this.binary = dialect == Dialect.POSTGRESQL ? " COLLATE \"C\"" : "";
    }

    /** {@code widthMillis} comes from a fixed set of bucket widths and is written into the SQL as a number. */
    public List<Aggregates> aggregates(Source source, UUID tenantId, UUID deviceId, String metric, String stream,
            long from, long to, long widthMillis) {
        Where w = where(tenantId, deviceId, metric, stream, from, to);
        String sql = "SELECT ts / " + widthMillis + " AS b, stream, metric, " + source.aggregates + " FROM "
                + source.table + " WHERE " + w.sql + " GROUP BY 1, 2, 3";
        return jdbc.sql(sql).params(w.params).query((rs, n) -> new Aggregates(rs.getLong(1) * widthMillis,
                rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5), dbl(rs, 6), dbl(rs, 7), dbl(rs, 8)))
                .list();
    }

    /** The first ({@code last} false) or last value of each bucket, by {@code (ts, msg_id)}. */
    public List<End> ends(Source source, UUID tenantId, UUID deviceId, String metric, String stream, long from,
            long to, long widthMillis, boolean last) {
        Where w = where(tenantId, deviceId, metric, stream, from, to);
        String dir = last ? " DESC" : "";
        String columns = "device_id, " + source.end("ts", last) + ", " + source.end("msg_id", last)
                + ", stream, metric, " + source.end("kind", last) + ", " + source.end("num", last) + ", "
                + source.end("txt", last);
        String sql = "SELECT " + columns + " FROM (SELECT " + columns + ", ROW_NUMBER() OVER (PARTITION BY ts / "
                + widthMillis + ", stream, metric ORDER BY " + source.end("ts", last) + dir + ", "
                + source.end("msg_id", last) + binary + dir + ") AS rn FROM " + source.table + " WHERE " + w.sql
                + ") ranked WHERE rn = 1";
        return jdbc.sql(sql).params(w.params).query(TelemetryRepository::row).list().stream()
                .map(r -> new End(Math.floorDiv(r.ts(), widthMillis) * widthMillis, r.stream(), r.metric(), r))
                .toList();
    }

    private record Where(String sql, List<Object> params) {
    }

    private static Where where(UUID tenantId, UUID deviceId, String metric, String stream, long from, long to) {
        StringBuilder sql = new StringBuilder("tenant_id = ? AND device_id = ? AND ts >= ? AND ts < ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), deviceId.toString(), from, to));
        if (metric != null) {
            sql.append(" AND metric = ?");
            params.add(metric);
        }
        if (stream != null) {
            sql.append(" AND stream = ?");
            params.add(stream);
        }
        return new Where(sql.toString(), params);
    }

    private static Double dbl(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : v;
    }
}
