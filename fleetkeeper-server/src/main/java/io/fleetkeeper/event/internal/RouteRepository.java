package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.Route;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Message routes; a webhook's secret is stored sealed and read only for signing. */
@Repository
public class RouteRepository {

    /** A route with its tenant and sealed secret, as the dispatcher and the delivery worker need it. */
    public record Stored(UUID tenantId, Route route, String sealedSecret) {
    }

    private static final String COLUMNS = "tenant_id, id, name, sources, condition, payload_condition, type, url, "
            + "secret, headers, timeout_ms, topic, qos, enabled, created_at, updated_at, version";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    RouteRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insert(UUID tenantId, Route r, String sealedSecret) {
        Route.Destination d = r.destination();
        jdbc.sql("INSERT INTO routes (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), r.id().toString(), r.name(), json.writeValueAsString(r.source()),
                        r.condition(), r.payloadCondition(), d.type(), url(d), sealedSecret, headers(d), d.timeoutMs(),
                        topic(d), d.qos(), r.enabled(), r.createdAt().toEpochMilli(), r.updatedAt().toEpochMilli(),
                        r.version())
                .update();
    }

    /** Writes {@code r} (version already moved on) if the stored version is still {@code expected}. */
    public boolean update(UUID tenantId, Route r, String sealedSecret, long expected) {
        Route.Destination d = r.destination();
        return jdbc.sql("UPDATE routes SET name = ?, sources = ?, condition = ?, payload_condition = ?, type = ?, "
                + "url = ?, secret = ?, headers = ?, timeout_ms = ?, topic = ?, qos = ?, enabled = ?, updated_at = ?, "
                + "version = ? WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(r.name(), json.writeValueAsString(r.source()), r.condition(), r.payloadCondition(), d.type(),
                        url(d), sealedSecret, headers(d), d.timeoutMs(), topic(d), d.qos(), r.enabled(),
                        r.updatedAt().toEpochMilli(), r.version(), tenantId.toString(), r.id().toString(), expected)
                .update() == 1;
    }

    public boolean delete(UUID tenantId, UUID id, long expected) {
        return jdbc.sql("DELETE FROM routes WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), expected).update() == 1;
    }

    public Optional<Stored> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM routes WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(this::stored).optional();
    }

    public boolean nameTaken(UUID tenantId, String name, UUID except) {
        return !jdbc.sql("SELECT 1 FROM routes WHERE tenant_id = ? AND name = ? AND id <> ?")
                .params(tenantId.toString(), name, except.toString()).query().singleColumn().isEmpty();
    }

    /** Routes in id order after {@code after} (from the start when null). */
    public List<Route> list(UUID tenantId, UUID after, int fetch) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM routes WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (after == null ? io.fleetkeeper.store.Ids.NIL : after).toString(), fetch)
                .query((rs, n) -> stored(rs, n).route()).list();
    }

    /** The enabled routes of these tenants. */
    public List<Stored> enabled(Collection<UUID> tenantIds) {
        if (tenantIds.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("SELECT " + COLUMNS + " FROM routes WHERE enabled = ? AND tenant_id IN ("
                + String.join(", ", Collections.nCopies(tenantIds.size(), "?")) + ")")
                .params(java.util.stream.Stream.concat(java.util.stream.Stream.of((Object) true),
                        tenantIds.stream().map(UUID::toString)).toList())
                .query(this::stored).list();
    }

    /** The enabled routes with a telemetry source, of every tenant. */
    public List<Stored> enabledTelemetry() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM routes WHERE enabled = ? AND sources LIKE ?")
                .params(true, "%\"" + TelemetryFilter.PREFIX + "%").query(this::stored).list();
    }

    // A PostgreSQL destination keeps its connection in url, its table in topic and its columns in headers; a NATS
    // destination its subject in topic.
    private static String url(Route.Destination d) {
        return switch (d.type()) {
            case Route.Destination.POSTGRESQL -> d.connection();
            case Route.Destination.NATS -> "";
            default -> d.url();
        };
    }

    private static String topic(Route.Destination d) {
        return switch (d.type()) {
            case Route.Destination.POSTGRESQL -> d.table();
            case Route.Destination.NATS -> d.subject();
            default -> d.topic();
        };
    }

    private String headers(Route.Destination d) {
        Map<String, String> map = Route.Destination.POSTGRESQL.equals(d.type()) ? d.columns() : d.headers();
        return map == null ? null : json.writeValueAsString(map);
    }

    private Stored stored(ResultSet rs, int n) throws SQLException {
        List<String> sources = json.readValue(rs.getString("sources"), new TypeReference<List<String>>() { });
        String headerText = rs.getString("headers");
        Map<String, String> headers = headerText == null ? null : json.readValue(headerText,
                new TypeReference<Map<String, String>>() { });
        int qos = rs.getInt("qos");
        Integer qosValue = rs.wasNull() ? null : qos;
        String type = rs.getString("type");
        String url = rs.getString("url");
        String topic = rs.getString("topic");
        Route.Destination d = switch (type) {
            case Route.Destination.POSTGRESQL -> new Route.Destination(type, null, null, rs.getInt("timeout_ms"),
                    null, null, null, url, topic, headers, null);
            case Route.Destination.NATS -> new Route.Destination(type, null, null, rs.getInt("timeout_ms"), null,
                    null, null, null, null, null, topic);
            default -> new Route.Destination(type, url, headers, rs.getInt("timeout_ms"), null, topic, qosValue);
        };
        Route r = new Route(UUID.fromString(rs.getString("id")), rs.getString("name"), sources,
                rs.getString("condition"), rs.getString("payload_condition"), d,
                rs.getBoolean("enabled"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), rs.getLong("version"));
        return new Stored(UUID.fromString(rs.getString("tenant_id")), r, rs.getString("secret"));
    }
}
