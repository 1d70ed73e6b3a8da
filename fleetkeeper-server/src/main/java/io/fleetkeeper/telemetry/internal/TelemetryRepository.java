package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.store.CopyIn;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.telemetry.internal.TelemetryMessage.Metric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Writes {@code telemetry}, {@code telemetry_messages} and {@code telemetry_latest}, and has the hourly rollup
 * updated. A batch is written in the caller's transaction: the messages' ids are claimed first, many in one
 * statement ({@code ON CONFLICT DO NOTHING RETURNING}: a message seen before writes nothing), then the points (by
 * {@code COPY} on PostgreSQL, a JDBC batch on SQLite) and the latest values (a JDBC batch), then the new messages'
 * rows are added to the rollup.
 */
@Repository
public class TelemetryRepository {

    /** A row of {@code telemetry} or {@code telemetry_latest}, as read. */
    public record Row(UUID deviceId, long ts, String msgId, String stream, String metric, String kind, Double num,
            String txt) {

        public Object value() {
            return new Metric(metric, kind, num, txt).value();
        }
    }

    private record Latest(TelemetryMessage m, Metric metric) {
    }

    private static final int CLAIM_ROWS = 500;

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final RollupRepository rollup;
    private final Dialect dialect;
    private final CopyIn copy;

    TelemetryRepository(JdbcClient jdbc, JdbcTemplate template, RollupRepository rollup, Dialect dialect,
            CopyIn copy) {
        this.jdbc = jdbc;
        this.template = template;
        this.rollup = rollup;
        this.dialect = dialect;
        this.copy = copy;
    }

    /** Writes the messages not seen before; returns how many were new. */
    public int write(List<TelemetryMessage> batch) {
        List<TelemetryMessage> fresh = claim(batch);
        List<Object[]> points = new ArrayList<>();
        Map<String, Latest> latest = new LinkedHashMap<>();
        for (TelemetryMessage m : fresh) {
            for (Metric x : m.metrics()) {
                points.add(new Object[] {m.tenantId().toString(), m.deviceId().toString(), m.ts(), m.msgId(),
                        m.stream(), x.name(), x.kind(), x.num(), x.txt()});
                latest.merge(m.deviceId() + "\n" + m.stream() + "\n" + x.name(), new Latest(m, x),
                        (a, b) -> b.m().ts() >= a.m().ts() ? b : a);
            }
        }
        if (points.isEmpty()) {
            return 0;
        }
        if (dialect == Dialect.POSTGRESQL) { // COPY: less work for the server than the same rows as INSERTs
            copy.in("telemetry", "tenant_id, device_id, ts, msg_id, stream, metric, kind, num, txt", points);
        } else {
            template.batchUpdate("""
                    INSERT INTO telemetry (tenant_id, device_id, ts, msg_id, stream, metric, kind, num, txt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", points);
        }
        List<Latest> upserts = new ArrayList<>(latest.values());
        // One lock order for every writer: two batches upserting the same devices cannot deadlock.
        upserts.sort(Comparator.comparing((Latest l) -> l.m().deviceId()).thenComparing(l -> l.m().stream())
                .thenComparing(l -> l.metric().name()));
        template.batchUpdate("""
                INSERT INTO telemetry_latest (tenant_id, device_id, stream, metric, ts, kind, num, txt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, device_id, stream, metric) DO UPDATE SET ts = excluded.ts,
                  kind = excluded.kind, num = excluded.num, txt = excluded.txt
                WHERE telemetry_latest.ts <= excluded.ts""", upserts, 1000, (ps, l) -> {
                    ps.setString(1, l.m().tenantId().toString());
                    ps.setString(2, l.m().deviceId().toString());
                    ps.setString(3, l.m().stream());
                    ps.setString(4, l.metric().name());
                    ps.setLong(5, l.m().ts());
                    ps.setString(6, l.metric().kind());
                    ps.setObject(7, l.metric().num());
                    ps.setString(8, l.metric().txt());
                });
        rollup.add(fresh);
        return fresh.size();
    }

    /**
     * Claims the messages' ids in {@code telemetry_messages}, {@value #CLAIM_ROWS} rows a statement ({@code ON
     * CONFLICT DO NOTHING RETURNING}: one round trip per chunk instead of one per message), in (device, msg_id)
     * order so two writers claiming overlapping ids cannot deadlock. Returns the messages whose id was new, in batch
     * order; of two copies of one id in the batch only the first.
     */
    private List<TelemetryMessage> claim(List<TelemetryMessage> batch) {
        List<TelemetryMessage> sorted = new ArrayList<>(batch);
        sorted.sort(Comparator.comparing(TelemetryMessage::deviceId).thenComparing(TelemetryMessage::msgId));
        java.util.Set<String> claimed = new java.util.HashSet<>();
        for (int from = 0; from < sorted.size(); from += CLAIM_ROWS) {
            List<TelemetryMessage> chunk = sorted.subList(from, Math.min(sorted.size(), from + CLAIM_ROWS));
            List<Object> params = new ArrayList<>(chunk.size() * 4);
            for (TelemetryMessage m : chunk) {
                params.addAll(List.of(m.tenantId().toString(), m.deviceId().toString(), m.msgId(), m.receivedAt()));
            }
            jdbc.sql("INSERT INTO telemetry_messages (tenant_id, device_id, msg_id, received_at) VALUES "
                    + rows(chunk.size(), 4) + " ON CONFLICT DO NOTHING RETURNING tenant_id, device_id, msg_id")
                    .params(params).query((rs, n) -> rs.getString(1) + "\n" + rs.getString(2)
                    + "\n" + rs.getString(3)).list().forEach(claimed::add);
        }
        List<TelemetryMessage> fresh = new ArrayList<>();
        for (TelemetryMessage m : batch) {
            if (claimed.remove(m.tenantId() + "\n" + m.deviceId() + "\n" + m.msgId())) {
                fresh.add(m);
            }
        }
        return fresh;
    }

    /**
     * Raw points of a device in {@code [from, to)}, in (ts, msg_id, metric) order after the keyset
     * {@code after} (null: from the start); metric and stream null for all.
     */
    public List<Row> raw(UUID tenantId, UUID deviceId, String metric, String stream, long from, long to,
            Object[] after, int limit) {
        StringBuilder sql = new StringBuilder("""
                SELECT device_id, ts, msg_id, stream, metric, kind, num, txt FROM telemetry
                WHERE tenant_id = ? AND device_id = ? AND ts >= ? AND ts < ?""");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString(), deviceId.toString(), from, to));
        if (metric != null) {
            sql.append(" AND metric = ?");
            params.add(metric);
        }
        if (stream != null) {
            sql.append(" AND stream = ?");
            params.add(stream);
        }
        if (after != null) {
            sql.append(" AND (ts > ? OR (ts = ? AND (msg_id > ? OR (msg_id = ? AND metric > ?))))");
            params.addAll(List.of(after[0], after[0], after[1], after[1], after[2]));
        }
        sql.append(" ORDER BY ts, msg_id, metric LIMIT ?");
        params.add(limit);
        return jdbc.sql(sql.toString()).params(params).query(TelemetryRepository::row).list();
    }

    /** The latest values of the devices (all their metrics when {@code metrics} is empty). */
    public List<Row> latest(UUID tenantId, List<UUID> deviceIds, List<String> metrics) {
        if (deviceIds.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("device_id IN (");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        placeholders(sql, deviceIds.stream().map(UUID::toString).toList(), params);
        return latest(sql, params, metrics);
    }

    /**
     * The latest values of every device of the tenant from {@code first} to {@code last} in id order, both included:
     * one range of the primary key, where a list of ids makes PostgreSQL descend the index once per id and plan
     * a condition per id.
     */
    public List<Row> latestBetween(UUID tenantId, UUID first, UUID last, List<String> metrics) {
        return latest(new StringBuilder("device_id >= ? AND device_id <= ?"), new ArrayList<>(List.of(
                tenantId.toString(), first.toString(), last.toString())), metrics);
    }

    private List<Row> latest(StringBuilder devices, List<Object> params, List<String> metrics) {
        StringBuilder sql = new StringBuilder("SELECT device_id, ts, '' AS msg_id, stream, metric, kind, num, txt"
                + " FROM telemetry_latest WHERE tenant_id = ? AND ").append(devices);
        if (!metrics.isEmpty()) {
            sql.append(" AND metric IN (");
            placeholders(sql, metrics, params);
        }
        sql.append(" ORDER BY device_id, stream, metric");
        // Rows come in device order, a device's metrics in a run: its id is parsed once per run, not once a row.
        var ids = new Object() {
            String text;
            UUID id;
        };
        return jdbc.sql(sql.toString()).params(params).query((rs, n) -> {
            String text = rs.getString(1);
            if (!text.equals(ids.text)) {
                ids.text = text;
                ids.id = UUID.fromString(text);
            }
            double num = rs.getDouble(7);
            Double value = rs.wasNull() ? null : num;
            return new Row(ids.id, rs.getLong(2), "", rs.getString(4), rs.getString(5), rs.getString(6), value,
                    rs.getString(8));
        }).list();
    }

    /** The placeholders of a multi-row {@code VALUES}: {@code rows} times {@code (?, …)} of {@code columns}. */
    static String rows(int rows, int columns) {
        String row = "(" + String.join(", ", java.util.Collections.nCopies(columns, "?")) + ")";
        return String.join(", ", java.util.Collections.nCopies(rows, row));
    }

    private static void placeholders(StringBuilder sql, List<String> values, List<Object> params) {
        for (int i = 0; i < values.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
            params.add(values.get(i));
        }
        sql.append(')');
    }

    static Row row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        double num = rs.getDouble(7);
        Double value = rs.wasNull() ? null : num;
        return new Row(UUID.fromString(rs.getString(1)), rs.getLong(2), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), value, rs.getString(8));
    }

    /** Forgets everything of a purged device. */
    public void deleteDevice(UUID tenantId, UUID deviceId) {
        for (String table : List.of("telemetry", "telemetry_messages", "telemetry_latest", "telemetry_rollup")) {
            jdbc.sql("DELETE FROM " + table + " WHERE tenant_id = ? AND device_id = ?")
                    .params(tenantId.toString(), deviceId.toString()).update();
        }
    }
}
