package io.fleetkeeper.telemetry.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Downsampled series from {@code telemetry}: buckets of a fixed width aligned on the epoch, the numeric aggregates
 * by {@code GROUP BY}, first and last by a window function (both stores have {@code ROW_NUMBER()}), only when
 * asked for.
 */
@Repository
public class SeriesRepository {

    /** A bucket's numeric aggregates. */
    public record Aggregates(long bucket, String stream, String metric, long count, Double avg, Double min,
            Double max, Double sum) {
    }

    /** The value at one end of a bucket. */
    public record End(long bucket, String stream, String metric, TelemetryRepository.Row row) {
    }

    private final JdbcClient jdbc;

    SeriesRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** {@code widthMillis} comes from a fixed set of bucket widths and is written into the SQL as a number. */
    public List<Aggregates> aggregates(UUID tenantId, UUID deviceId, String metric, String stream, long from,
            long to, long widthMillis) {
        Where w = where(tenantId, deviceId, metric, stream, from, to);
        String sql = "SELECT ts / " + widthMillis + " AS b, stream, metric, COUNT(*), AVG(num), MIN(num), MAX(num),"
                + " SUM(num) FROM telemetry WHERE " + w.sql + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
        return jdbc.sql(sql).params(w.params).query((rs, n) -> new Aggregates(rs.getLong(1) * widthMillis,
                rs.getString(2), rs.getString(3), rs.getLong(4), dbl(rs, 5), dbl(rs, 6), dbl(rs, 7), dbl(rs, 8)))
                .list();
    }

    /** The first ({@code last} false) or last value of each bucket. */
    public List<End> ends(UUID tenantId, UUID deviceId, String metric, String stream, long from, long to,
            long widthMillis, boolean last) {
        Where w = where(tenantId, deviceId, metric, stream, from, to);
        String order = last ? "ts DESC, msg_id DESC" : "ts, msg_id";
        String sql = "SELECT device_id, ts, msg_id, stream, metric, kind, num, txt FROM (SELECT device_id, ts, msg_id,"
                + " stream, metric, kind, num, txt, ROW_NUMBER() OVER (PARTITION BY ts / " + widthMillis
                + ", stream, metric ORDER BY " + order + ") AS rn FROM telemetry WHERE " + w.sql
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
