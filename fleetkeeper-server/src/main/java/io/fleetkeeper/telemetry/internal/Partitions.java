package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.store.Dialect;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The daily partitions of {@code telemetry} and of its hourly rollup {@code telemetry_rollup} on PostgreSQL, named
 * {@code telemetry_pYYYYMMDD} and {@code telemetry_rollup_pYYYYMMDD} and covering one UTC day of {@code ts}; the
 * two are made and dropped together. On SQLite there are none and every method does nothing.
 */
@Component
public class Partitions {

    private static final long DAY = 86_400_000L;
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final Pattern PARTITION = Pattern.compile("telemetry_p(\\d{8})");
    /** The partitioned tables, each {@code <table>_pYYYYMMDD} a day. */
    private static final List<String> TABLES = List.of("telemetry", "telemetry_rollup");

    private final JdbcClient jdbc;
    private final Dialect dialect;

    Partitions(JdbcClient jdbc, Dialect dialect) {
        this.jdbc = jdbc;
        this.dialect = dialect;
    }

    public boolean partitioned() {
        return dialect == Dialect.POSTGRESQL;
    }

    /** Creates the missing partitions for every day from {@code fromMillis} to {@code toMillis}, both included. */
    public void cover(long fromMillis, long toMillis) {
        if (!partitioned()) {
            return;
        }
        for (long day = Math.floorDiv(fromMillis, DAY); day <= Math.floorDiv(toMillis, DAY); day++) {
            for (String table : TABLES) {
                // Names and bounds are generated here, never taken from input.
                jdbc.sql("CREATE TABLE IF NOT EXISTS " + table + "_p" + LocalDate.ofEpochDay(day).format(NAME)
                        + " PARTITION OF " + table + " FOR VALUES FROM (" + day * DAY + ") TO (" + (day + 1) * DAY
                        + ")").update();
            }
        }
    }

    /** The first day (epoch day) of every partition of {@code telemetry}. */
    public List<Long> days() {
        if (!partitioned()) {
            return List.of();
        }
        List<Long> days = new ArrayList<>();
        for (String name : jdbc.sql("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'telemetry' AND p.relnamespace = current_schema()::regnamespace""")
                .query(String.class).list()) {
            Matcher m = PARTITION.matcher(name);
            if (m.matches()) {
                days.add(LocalDate.parse(m.group(1), NAME).toEpochDay());
            }
        }
        return days;
    }

    /** Drops the partitions whose whole day is before {@code cutoffMillis}; returns how many. */
    public int dropBefore(long cutoffMillis) {
        int dropped = 0;
        for (long day : days()) {
            if ((day + 1) * DAY <= cutoffMillis) {
                for (String table : TABLES) {
                    jdbc.sql("DROP TABLE IF EXISTS " + table + "_p" + LocalDate.ofEpochDay(day).format(NAME))
                            .update();
                }
                dropped++;
            }
        }
        return dropped;
    }

    /** Whether a failed write failed because no partition holds a row's time. */
    public boolean isMissingPartition(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23514".equals(s.getSQLState())
                    && String.valueOf(s.getMessage()).contains("no partition")) {
                return true;
            }
        }
        return false;
    }

}
