package io.fleetkeeper.event.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.Route;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Inserts events into a table of an external PostgreSQL database the platform operator defined
 * ({@code fleetkeeper.events.postgres-connections.<name>}): one parameterised {@code INSERT}, the table and column
 * names checked against {@link #IDENTIFIER} and quoted, every value bound as text that PostgreSQL converts to the
 * column's type ({@code stringtype=unspecified}), so {@code uuid}, {@code timestamptz}, {@code jsonb} and numeric
 * columns take the values as they are. A small pool per connection, opened on first use.
 */
@Component
public class PostgresInserter {

    /** A table or column name: letters, digits, underscores, not starting with a digit. */
    public static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    /** What a column may hold: a part of the event, or a field of its data. */
    public static final Pattern FIELD = Pattern.compile(
            "id|type|time|tenant|device|event|data|data(\\.[A-Za-z0-9_-]{1,64}){1,8}");

    private final EventProperties props;
    private final JsonMapper json;
    private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();

    PostgresInserter(EventProperties props, JsonMapper json) {
        this.props = props;
        this.json = json;
    }

    public boolean knows(String connection) {
        return props.postgresConnections().containsKey(connection);
    }

    /** Inserts one row for the CloudEvent {@code body}. */
    public WebhookSender.Result insert(Route.Destination d, String body) {
        long start = System.nanoTime();
        EventProperties.PostgresConnection c = props.postgresConnections().get(d.connection());
        if (c == null) {
            return new WebhookSender.Result(null, "no PostgreSQL connection named '" + d.connection() + "'", 0, null);
        }
        List<String> names = new ArrayList<>(d.columns().keySet());
        String sql = "INSERT INTO " + quoted(d.table()) + " (" + names.stream().map(PostgresInserter::quoted)
                .collect(Collectors.joining(", ")) + ") VALUES (" + String.join(", ",
                        java.util.Collections.nCopies(names.size(), "?")) + ")";
        JsonNode event = json.readTree(body);
        try (Connection conn = pool(d.connection(), c).getConnection();
                PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setQueryTimeout(Math.max(1, d.timeoutMs() / 1000));
            for (int i = 0; i < names.size(); i++) {
                ps.setString(i + 1, value(event, d.columns().get(names.get(i)), body));
            }
            ps.executeUpdate();
            return new WebhookSender.Result(null, null, (System.nanoTime() - start) / 1_000_000, null);
        } catch (SQLException e) {
            return new WebhookSender.Result(null, "PostgreSQL: " + e.getSQLState() + " " + e.getMessage(),
                    (System.nanoTime() - start) / 1_000_000, null);
        }
    }

    static String value(JsonNode event, String field, String body) {
        JsonNode v = switch (field) {
            case "id", "type", "time" -> event.path(field);
            case "tenant" -> event.path("tenantid");
            case "device" -> event.path("subject");
            case "event" -> null;
            default -> {
                JsonNode n = event.path("data");
                for (String part : field.substring("data".length()).split("\\.")) {
                    if (!part.isEmpty()) {
                        n = n.path(part);
                    }
                }
                yield n;
            }
        };
        if (v == null) {
            return body;
        }
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        return v.isValueNode() ? v.asString() : v.toString();
    }

    /** {@code name} or {@code schema.name}, each part double-quoted (names are checked before). */
    static String quoted(String name) {
        return java.util.Arrays.stream(name.split("\\.")).map(p -> '"' + p + '"')
                .collect(Collectors.joining("."));
    }

    private HikariDataSource pool(String name, EventProperties.PostgresConnection c) {
        return pools.computeIfAbsent(name, n -> {
            HikariConfig config = new HikariConfig();
            config.setPoolName("route-pg-" + n);
            config.setJdbcUrl(c.url());
            config.setUsername(c.username());
            config.setPassword(c.password());
            config.setMaximumPoolSize(2);
            config.setMinimumIdle(0);
            config.setConnectionTimeout(5000);
            config.setInitializationFailTimeout(-1);
            config.addDataSourceProperty("stringtype", "unspecified");
            return new HikariDataSource(config);
        });
    }

    @jakarta.annotation.PreDestroy
    void close() {
        pools.values().forEach(HikariDataSource::close);
    }
}
