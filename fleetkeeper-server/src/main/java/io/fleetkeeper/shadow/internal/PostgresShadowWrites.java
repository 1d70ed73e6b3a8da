package io.fleetkeeper.shadow.internal;

import io.fleetkeeper.shadow.internal.ShadowRepository.Version;
import io.fleetkeeper.shadow.internal.ShadowRepository.Write;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;

/**
 * The batch writes of {@link ShadowRepository} on PostgreSQL: one statement per kind of write whatever the batch's
 * size, each column sent as an array and joined back by {@code unnest}, so the statement text never changes (the
 * server plans it once per connection) and the backend executes one statement instead of one per row. Updates and
 * creations say which rows they wrote ({@code RETURNING}), so a row another writer changed or created meanwhile
 * is known exactly.
 */
final class PostgresShadowWrites {

    private static final String UPDATE = """
            UPDATE shadows s SET version = v.version, document = v.document, updated_at = v.at
            FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::int8[], ?::int8[], ?::text[], ?::int8[])
                 AS v(tenant_id, device_id, name, expected, version, document, at)
            WHERE s.tenant_id = v.tenant_id AND s.device_id = v.device_id AND s.name = v.name
              AND s.version = v.expected
            RETURNING s.tenant_id, s.device_id, s.name""";
    private static final String INSERT = """
            INSERT INTO shadows (tenant_id, device_id, name, version, document, updated_at)
            SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::int8[], ?::text[], ?::int8[])
            ON CONFLICT DO NOTHING
            RETURNING tenant_id, device_id, name""";
    private static final String REMEMBER = """
            INSERT INTO shadow_history (tenant_id, device_id, name, version, document, actor, at)
            SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::int8[], ?::text[], ?::text[], ?::int8[])""";
    private static final String TRIM = """
            DELETE FROM shadow_history h
            USING unnest(?::uuid[], ?::uuid[], ?::text[], ?::int8[]) AS v(tenant_id, device_id, name, upto)
            WHERE h.tenant_id = v.tenant_id AND h.device_id = v.device_id AND h.name = v.name
              AND h.version <= v.upto""";

    private final JdbcTemplate template;

    PostgresShadowWrites(JdbcTemplate template) {
        this.template = template;
    }

    /** For each write, in order, whether it won (see {@link ShadowRepository#writeAll}). */
    boolean[] writeAll(List<Write> writes) {
        List<Write> updates = writes.stream().filter(w -> !w.create()).toList();
        List<Write> inserts = writes.stream().filter(Write::create).toList();
        Set<String> written = new HashSet<>();
        RowCallbackHandler collect = rs -> written.add(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3));
        if (!updates.isEmpty()) {
            run(UPDATE, collect, updates, col(w -> w.tenantId().toString()), col(w -> w.deviceId().toString()),
                    col(Write::name), col(Write::expected), col(Write::version), col(Write::document), col(Write::at));
        }
        if (!inserts.isEmpty()) {
            run(INSERT, collect, inserts, col(w -> w.tenantId().toString()), col(w -> w.deviceId().toString()),
                    col(Write::name), col(Write::version), col(Write::document), col(Write::at));
        }
        boolean[] won = new boolean[writes.size()];
        for (int i = 0; i < won.length; i++) {
            Write w = writes.get(i);
            won[i] = written.contains(w.tenantId() + "/" + w.deviceId() + "/" + w.name());
        }
        return won;
    }

    void rememberAll(List<Version> versions) {
        run(REMEMBER, null, versions, col(v -> v.tenantId().toString()), col(v -> v.deviceId().toString()),
                col(Version::name), col(Version::version), col(Version::document), col(Version::actor),
                col(Version::at));
    }

    /** Drops each shadow's versions older than the newest {@code keep}, its write's version being the newest. */
    void trimAll(List<Write> trims, int keep) {
        run(TRIM, null, trims, col(w -> w.tenantId().toString()), col(w -> w.deviceId().toString()),
                col(Write::name), col(w -> w.version() - keep));
    }

    /** A column of the statement: its value for each item (a {@code Long} column is sent as {@code int8[]}). */
    private record Column<T>(Function<T, Object> value) {
    }

    private static <T> Column<T> col(Function<T, Object> value) {
        return new Column<>(value);
    }

    @SafeVarargs
    private <T> void run(String sql, RowCallbackHandler each, List<T> items, Column<T>... columns) {
        template.execute((Connection con) -> {
            PreparedStatement ps = con.prepareStatement(sql);
            for (int c = 0; c < columns.length; c++) {
                ps.setArray(c + 1, array(con, items, columns[c]));
            }
            return ps;
        }, (PreparedStatement ps) -> {
            if (ps.execute() && each != null) {
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        each.processRow(rs);
                    }
                }
            }
            return null;
        });
    }

    private static <T> java.sql.Array array(Connection con, List<T> items, Column<T> column) throws SQLException {
        Object[] values = new Object[items.size()];
        boolean numbers = false;
        for (int i = 0; i < values.length; i++) {
            values[i] = column.value().apply(items.get(i));
            numbers |= values[i] instanceof Long;
        }
        return numbers ? con.createArrayOf("int8", values) : con.createArrayOf("text", values);
    }
}
