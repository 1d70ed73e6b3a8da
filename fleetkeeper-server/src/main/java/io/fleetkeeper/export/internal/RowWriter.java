package io.fleetkeeper.export.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes rows as CSV (RFC 4180 via Commons CSV, a header line first, CRLF line ends) or NDJSON (one JSON object
 * a line, the API's own representation). A CSV cell starting with {@code = + - @}, a tab or a carriage return is
 * prefixed with a single quote so that spreadsheets do not run it as a formula (OWASP's CSV injection advice).
 */
abstract class RowWriter implements AutoCloseable {

    static RowWriter of(String format, OutputStream out, List<String> columns, JsonMapper json) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        return "ndjson".equals(format) ? new Ndjson(w, json) : new Csv(w, columns);
    }

    /** One row: {@code cells} in column order for CSV, {@code item} as JSON for NDJSON. */
    abstract void row(List<Object> cells, Object item) throws IOException;

    @Override
    public abstract void close() throws IOException;

    /** {@code value} made safe for a spreadsheet cell. */
    static String neutralize(String value) {
        if (!value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0) {
            return "'" + value;
        }
        return value;
    }

    private static final class Csv extends RowWriter {
        private final CSVPrinter printer;

        Csv(Writer w, List<String> columns) throws IOException {
            this.printer = new CSVPrinter(w, CSVFormat.RFC4180.builder().setHeader(columns.toArray(String[]::new))
                    .get());
        }

        @Override
        void row(List<Object> cells, Object item) throws IOException {
            List<String> out = new ArrayList<>(cells.size());
            for (Object c : cells) {
                out.add(c == null ? "" : neutralize(c.toString()));
            }
            printer.printRecord(out);
        }

        @Override
        public void close() throws IOException {
            printer.close(true);
        }
    }

    private static final class Ndjson extends RowWriter {
        private final Writer w;
        private final JsonMapper json;

        Ndjson(Writer w, JsonMapper json) {
            this.w = w;
            this.json = json;
        }

        @Override
        void row(List<Object> cells, Object item) throws IOException {
            w.write(json.writeValueAsString(item));
            w.write('\n');
        }

        @Override
        public void close() throws IOException {
            w.close();
        }
    }
}
