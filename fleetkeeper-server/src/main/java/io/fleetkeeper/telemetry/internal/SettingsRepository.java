package io.fleetkeeper.telemetry.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code telemetry_settings}: one row per tenant that changed the defaults. Per-stream retention and per-type
 * expected intervals are small JSON objects (a handful of keys, always read whole).
 */
@Repository
public class SettingsRepository {

    /**
     * A tenant's own settings.
     *
     * @param expectedIntervalSeconds null while the tenant uses the default
     */
    public record Row(UUID tenantId, int retentionDays, Map<String, Integer> streamRetentionDays,
            Integer expectedIntervalSeconds, Map<String, Integer> typeIntervalSeconds, long version, long updatedAt) {

        public Row(UUID tenantId, int retentionDays, long version, long updatedAt) {
            this(tenantId, retentionDays, Map.of(), null, Map.of(), version, updatedAt);
        }
    }

    private static final String COLUMNS = "tenant_id, retention_days, stream_retention, expected_interval_seconds,"
            + " type_intervals, version, updated_at";
    private static final TypeReference<TreeMap<String, Integer>> MAP = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonMapper json;

    SettingsRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public Optional<Row> find(UUID tenantId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM telemetry_settings WHERE tenant_id = ?")
                .param(tenantId.toString()).query(this::row).optional();
    }

    /** Every tenant's own setting. */
    public List<Row> all() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM telemetry_settings").query(this::row).list();
    }

    /** Writes the retention alone (the rest as it is, or defaults), version {@code expected + 1}. */
    public boolean save(UUID tenantId, int retentionDays, long expected, long now) {
        Row cur = find(tenantId).orElse(new Row(tenantId, retentionDays, 0, now));
        return save(new Row(tenantId, retentionDays, cur.streamRetentionDays(), cur.expectedIntervalSeconds(),
                cur.typeIntervalSeconds(), expected, now));
    }

    /**
     * Writes {@code row} as version {@code row.version() + 1}; false when the stored version is no longer
     * {@code row.version()}.
     */
    public boolean save(Row row) {
        String streams = row.streamRetentionDays().isEmpty() ? null : json.writeValueAsString(row.streamRetentionDays());
        String types = row.typeIntervalSeconds().isEmpty() ? null : json.writeValueAsString(row.typeIntervalSeconds());
        if (row.version() == 0) {
            return jdbc.sql("INSERT INTO telemetry_settings (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, 1, ?)"
                    + " ON CONFLICT DO NOTHING")
                    .params(row.tenantId().toString(), row.retentionDays(), streams, row.expectedIntervalSeconds(),
                            types, row.updatedAt()).update() == 1;
        }
        return jdbc.sql("""
                UPDATE telemetry_settings SET retention_days = ?, stream_retention = ?, expected_interval_seconds = ?,
                  type_intervals = ?, version = version + 1, updated_at = ?
                WHERE tenant_id = ? AND version = ?""")
                .params(row.retentionDays(), streams, row.expectedIntervalSeconds(), types, row.updatedAt(),
                        row.tenantId().toString(), row.version()).update() == 1;
    }

    private Row row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        int seconds = rs.getInt(4);
        Integer interval = rs.wasNull() ? null : seconds;
        return new Row(UUID.fromString(rs.getString(1)), rs.getInt(2), map(rs.getString(3)), interval,
                map(rs.getString(5)), rs.getLong(6), rs.getLong(7));
    }

    private Map<String, Integer> map(String text) {
        return text == null ? Map.of() : json.readValue(text, MAP);
    }
}
