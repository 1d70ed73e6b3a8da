package io.fleetkeeper.store;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.postgresql.PGConnection;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Bulk loads into PostgreSQL through {@code COPY … FROM STDIN}, in the caller's transaction. Rows are written as
 * PostgreSQL's CSV (Commons CSV's {@code POSTGRESQL_CSV}: every value quoted, {@code null} as an unquoted empty
 * field, so an empty text stays empty). A failing row (a duplicate key, a bad value) fails the whole copy with the
 * same translated exception a batched {@code INSERT} would raise.
 */
@Component
public class CopyIn {

    private final JdbcTemplate template;

    CopyIn(JdbcTemplate template) {
        this.template = template;
    }

    /** Copies {@code rows} (values in the order of {@code columns}) into {@code table}; PostgreSQL only. */
    public long in(String table, String columns, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return 0;
        }
        StringBuilder csv = new StringBuilder(rows.size() * 128);
        try (CSVPrinter printer = new CSVPrinter(csv, CSVFormat.POSTGRESQL_CSV)) {
            for (Object[] row : rows) {
                printer.printRecord(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String sql = "COPY " + table + " (" + columns + ") FROM STDIN (FORMAT csv)";
        return template.execute((ConnectionCallback<Long>) con -> {
            try {
                return con.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new StringReader(csv.toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
