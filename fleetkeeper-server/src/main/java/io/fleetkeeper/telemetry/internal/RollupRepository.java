package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.telemetry.internal.TelemetryMessage.Metric;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Maintains {@code telemetry_rollup}, one row per tenant, device, metric, stream and UTC hour: the row count, the
 * count, sum, minimum and maximum of the numbers, and the first and last row by {@code (ts, msg_id)}. Called in the
 * writer's transaction with the messages whose id was new, so a message counts once. A batch is first combined in
 * memory per row, then upserted {@value #ROWS} rows a statement with {@code ON CONFLICT DO UPDATE} combining the
 * stored aggregates with the batch's, in one lock order (tenant, device, metric, stream, hour) for every writer.
 */
@Repository
public class RollupRepository {

    public static final long HOUR = 3_600_000L;
    private static final int ROWS = 1000;
    private static final int COLUMNS = 20;
    private static final String[] END = {"ts", "msg_id", "kind", "num", "txt"};
    private static final String INSERT = """
            INSERT INTO telemetry_rollup (tenant_id, device_id, metric, stream, ts, cnt, num_cnt, num_sum, num_min,
              num_max, first_ts, first_msg_id, first_kind, first_num, first_txt, last_ts, last_msg_id, last_kind,
              last_num, last_txt)
            VALUES """;
    private static final String ON_CONFLICT = onConflict();

    private record Key(UUID tenantId, UUID deviceId, String metric, String stream, long hour) {
        static final Comparator<Key> ORDER = Comparator.comparing(Key::tenantId).thenComparing(Key::deviceId)
                .thenComparing(Key::metric).thenComparing(Key::stream).thenComparingLong(Key::hour);
    }

    /** One row of a message, as it enters an end of the hour. */
    private record End(long ts, String msgId, Metric metric) {
        boolean before(End o) {
            return ts < o.ts || ts == o.ts && msgId.compareTo(o.msgId) < 0;
        }
    }

    /** A batch's aggregates of one rollup row. */
    private static final class Hour {
        long count;
        long numCount;
        Double sum;
        Double min;
        Double max;
        End first;
        End last;

        void add(End e) {
            count++;
            Double v = e.metric().num();
            if (v != null) {
                numCount++;
                sum = sum == null ? v : sum + v;
                min = min == null || v < min ? v : min;
                max = max == null || v > max ? v : max;
            }
            first = first == null || e.before(first) ? e : first;
            last = last == null || last.before(e) ? e : last;
        }
    }

    private final JdbcTemplate template;

    RollupRepository(JdbcTemplate template) {
        this.template = template;
    }

    /** Adds the rows of {@code fresh} (messages not seen before) to their hours. */
    public void add(List<TelemetryMessage> fresh) {
        Map<Key, Hour> hours = new HashMap<>();
        for (TelemetryMessage m : fresh) {
            long hour = Math.floorDiv(m.ts(), HOUR) * HOUR;
            for (Metric x : m.metrics()) {
                hours.computeIfAbsent(new Key(m.tenantId(), m.deviceId(), x.name(), m.stream(), hour),
                        k -> new Hour()).add(new End(m.ts(), m.msgId(), x));
            }
        }
        List<Map.Entry<Key, Hour>> rows = new ArrayList<>(hours.entrySet());
        rows.sort(Map.Entry.comparingByKey(Key.ORDER));
        for (int from = 0; from < rows.size(); from += ROWS) {
            List<Map.Entry<Key, Hour>> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS));
            template.update(INSERT + " " + TelemetryRepository.rows(chunk.size(), COLUMNS) + " " + ON_CONFLICT, ps -> {
                int i = 0;
                for (Map.Entry<Key, Hour> row : chunk) {
                    i = bind(ps, i, row.getKey(), row.getValue());
                }
            });
        }
    }

    private static int bind(PreparedStatement ps, int i, Key k, Hour h) throws SQLException {
        ps.setString(++i, k.tenantId().toString());
        ps.setString(++i, k.deviceId().toString());
        ps.setString(++i, k.metric());
        ps.setString(++i, k.stream());
        ps.setLong(++i, k.hour());
        ps.setLong(++i, h.count);
        ps.setLong(++i, h.numCount);
        i = number(ps, i, h.sum);
        i = number(ps, i, h.min);
        i = number(ps, i, h.max);
        for (End e : List.of(h.first, h.last)) {
            ps.setLong(++i, e.ts());
            ps.setString(++i, e.msgId());
            ps.setString(++i, e.metric().kind());
            i = number(ps, i, e.metric().num());
            if (e.metric().txt() == null) {
                ps.setNull(++i, Types.VARCHAR);
            } else {
                ps.setString(++i, e.metric().txt());
            }
        }
        return i;
    }

    private static int number(PreparedStatement ps, int i, Double v) throws SQLException {
        if (v == null) {
            ps.setNull(++i, Types.DOUBLE);
        } else {
            ps.setDouble(++i, v);
        }
        return i;
    }

    /**
     * The conflict clause of the upsert: the stored row and the batch's combine as the aggregates over both would
     * (counts and sums add, the smaller minimum, the earlier first by {@code (ts, msg_id)}); every SET expression
     * reads the stored row as it was before the statement.
     */
    private static String onConflict() {
        StringBuilder sql = new StringBuilder("""
                 ON CONFLICT (tenant_id, device_id, metric, stream, ts) DO UPDATE SET
                  cnt = telemetry_rollup.cnt + excluded.cnt,
                  num_cnt = telemetry_rollup.num_cnt + excluded.num_cnt,
                  num_sum = COALESCE(telemetry_rollup.num_sum + excluded.num_sum, telemetry_rollup.num_sum,
                    excluded.num_sum),
                  num_min = CASE WHEN telemetry_rollup.num_min IS NULL OR excluded.num_min < telemetry_rollup.num_min
                    THEN excluded.num_min ELSE telemetry_rollup.num_min END,
                  num_max = CASE WHEN telemetry_rollup.num_max IS NULL OR excluded.num_max > telemetry_rollup.num_max
                    THEN excluded.num_max ELSE telemetry_rollup.num_max END""");
        for (String[] end : List.of(new String[] {"first_", "<"}, new String[] {"last_", ">"})) {
            String e = end[0];
            String wins = "excluded." + e + "ts " + end[1] + " telemetry_rollup." + e + "ts OR excluded." + e + "ts = "
                    + "telemetry_rollup." + e + "ts AND excluded." + e + "msg_id " + end[1] + " telemetry_rollup." + e
                    + "msg_id";
            for (String column : END) {
                sql.append(",\n  ").append(e).append(column).append(" = CASE WHEN ").append(wins)
                        .append(" THEN excluded.").append(e).append(column).append(" ELSE telemetry_rollup.").append(e)
                        .append(column).append(" END");
            }
        }
        return sql.toString();
    }
}
