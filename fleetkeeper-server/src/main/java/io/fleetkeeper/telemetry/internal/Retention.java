package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.telemetry.TelemetryProperties;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Retention and partition upkeep, one run at a time under the {@code telemetry-maintenance} lease (the caller
 * takes it). The longest retention in use (the default or a tenant's own) bounds the partitions: on PostgreSQL
 * days older than it are dropped whole and days up to {@code partitions-ahead} are created; on SQLite those
 * rows are deleted in batches. Tenants with a shorter retention lose their older rows by deletes, one day (one
 * partition) or one batch per statement. Latest values older than the retention go too, and message ids older
 * than the de-duplication window. A stream with a shorter retention of its own (at most the tenant's) loses its
 * older rows the same way, by deletes of that tenant and stream. The hourly rollup goes with the rows: every
 * delete of rows before a cutoff deletes the rollup hours that start before it (the hour holding the cutoff
 * included; downsampled series read raw rows, never the rollup, before the retention cutoff).
 */
public final class Retention {

    private static final long DAY = 86_400_000L;
    private static final int BATCH = 5000;

    /** What a run did. */
    public record Result(int partitionsDropped, long rowsDeleted) {
    }

    private final JdbcClient jdbc;
    private final Dialect dialect;
    private final Partitions partitions;
    private final SettingsRepository settings;
    private final TelemetryProperties props;
    private final Clock clock;

    public Retention(JdbcClient jdbc, Dialect dialect, Partitions partitions, SettingsRepository settings,
            TelemetryProperties props, Clock clock) {
        this.jdbc = jdbc;
        this.dialect = dialect;
        this.partitions = partitions;
        this.settings = settings;
        this.props = props;
        this.clock = clock;
    }

    public Result run() {
        long now = clock.millis();
        long defaultDays = props.defaultRetention().toDays();
        List<SettingsRepository.Row> own = settings.all();
        long longestDays = defaultDays;
        for (SettingsRepository.Row r : own) {
            longestDays = Math.max(longestDays, r.retentionDays());
        }
        long longestCutoff = now - longestDays * DAY;
        partitions.cover(longestCutoff, now + props.partitionsAhead() * DAY);
        int dropped = partitions.dropBefore(longestCutoff);
        long deleted = deleteRows("ts < ?", List.of(longestCutoff), longestCutoff);
        List<String> ownIds = new ArrayList<>();
        for (SettingsRepository.Row r : own) {
            ownIds.add(r.tenantId().toString());
            long cutoff = now - r.retentionDays() * DAY;
            deleted += deleteTenant("tenant_id = ?", List.of(r.tenantId().toString()), cutoff, longestCutoff);
            for (var stream : r.streamRetentionDays().entrySet()) {
                long streamCutoff = now - stream.getValue() * DAY;
                if (streamCutoff > cutoff) {
                    deleted += deleteTenant("tenant_id = ? AND stream = ?", List.of(r.tenantId().toString(),
                            stream.getKey()), streamCutoff, longestCutoff);
                }
            }
        }
        if (defaultDays < longestDays) {
            StringBuilder notOwn = new StringBuilder("tenant_id NOT IN (");
            for (int i = 0; i < ownIds.size(); i++) {
                notOwn.append(i == 0 ? "?" : ", ?");
            }
            deleted += deleteTenant(notOwn.append(')').toString(), List.copyOf(ownIds), now - defaultDays * DAY,
                    longestCutoff);
        }
        deleteLatest("ts < ?", List.of(longestCutoff));
        jdbc.sql("DELETE FROM telemetry_messages WHERE received_at < ?")
                .param(now - props.dedupWindow().toMillis()).update();
        return new Result(dropped, deleted);
    }

    private long deleteTenant(String tenantCondition, List<Object> tenantParams, long cutoff, long longestCutoff) {
        if (cutoff <= longestCutoff) {
            return 0;
        }
        List<Object> params = new ArrayList<>(tenantParams);
        params.add(cutoff);
        deleteLatest(tenantCondition + " AND ts < ?", params);
        return deleteRows(tenantCondition + " AND ts < ?", params, cutoff);
    }

    /** Deletes matching raw rows and rollup hours before {@code cutoff}; returns how many raw rows. */
    private long deleteRows(String condition, List<Object> params, long cutoff) {
        delete("telemetry_rollup", condition, params, cutoff);
        return delete("telemetry", condition, params, cutoff);
    }

    private void deleteLatest(String condition, List<Object> params) {
        jdbc.sql("DELETE FROM telemetry_latest WHERE " + condition).params(params).update();
    }

    /**
     * Deletes matching rows of {@code table} ({@code telemetry} or {@code telemetry_rollup}) before {@code cutoff}:
     * on PostgreSQL one statement per daily partition that may hold some, on SQLite batches of rows by rowid.
     */
    private long delete(String table, String condition, List<Object> params, long cutoff) {
        long total = 0;
        if (dialect == Dialect.POSTGRESQL) {
            for (long day : partitions.days()) {
                if (day * DAY < cutoff) {
                    List<Object> p = new ArrayList<>(params);
                    p.add(day * DAY);
                    p.add((day + 1) * DAY);
                    total += jdbc.sql("DELETE FROM " + table + " WHERE " + condition + " AND ts >= ? AND ts < ?")
                            .params(p).update();
                }
            }
            return total;
        }
        List<Object> p = new ArrayList<>(params);
        p.add(BATCH);
        int n;
        do {
            n = jdbc.sql("DELETE FROM " + table + " WHERE rowid IN (SELECT rowid FROM " + table + " WHERE "
                    + condition + " LIMIT ?)").params(p).update();
            total += n;
        } while (n == BATCH);
        return total;
    }
}
