package io.fleetkeeper.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGStatement;
import org.springframework.jdbc.core.ArgumentPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

/**
 * Reads whose conditions come from fleet queries and filters, planned with their values on every call.
 * <p>On PostgreSQL the driver turns a statement it has run five times into a named server-side statement, and
 * the server then may switch to a generic plan that ignores the values. For these statements that plan is the
 * wrong one: with the keyset bound {@code d.id > ?} unknown, the generic plan for
 * {@code metadata.region = "eu-3"} walks every device of the region to return one page (1.4 s a page at 3M
 * devices, measured), where the plan for the actual values reads one page. So these are never server-prepared
 * ({@code prepareThreshold} 0: an unnamed statement, planned at each bind); planning costs about a millisecond.
 * SQLite plans every statement with its values anyway.
 */
@Component
public class AdHocQueries {

    private final JdbcTemplate template;
    private final Dialect dialect;

    AdHocQueries(JdbcTemplate template, Dialect dialect) {
        this.template = template;
        this.dialect = dialect;
    }

    public <T> List<T> list(String sql, List<Object> params, RowMapper<T> mapper) {
        return template.query(con -> prepare(con, sql, params), mapper);
    }

    public long count(String sql, List<Object> params) {
        return list(sql, params, (rs, n) -> rs.getLong(1)).getFirst();
    }

    private PreparedStatement prepare(Connection con, String sql, List<Object> params) throws SQLException {
        PreparedStatement ps = con.prepareStatement(sql);
        if (dialect == Dialect.POSTGRESQL) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        new ArgumentPreparedStatementSetter(params.toArray()).setValues(ps);
        return ps;
    }
}
