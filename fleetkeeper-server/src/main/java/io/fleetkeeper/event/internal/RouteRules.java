package io.fleetkeeper.event.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.event.EventTypes;
import io.fleetkeeper.event.Route;
import io.fleetkeeper.event.RouteFields;
import io.fleetkeeper.fleet.FleetQuery;
import io.fleetkeeper.web.Violations;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The field rules of a route; every problem is reported at once, by field. */
@Component
public class RouteRules {

    /** A valid route's parts: the destination (a webhook's with its secret when given or generated) and its key. */
    public record Valid(List<String> source, String condition, String payloadCondition, Route.Destination destination,
            byte[] key) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern NO_CONTROL = Pattern.compile("[^\\p{Cntrl}]*");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
    private static final Set<String> RESERVED_HEADERS = Set.of("content-type", "content-length", "host",
            "user-agent", "connection", "transfer-encoding", "expect", "upgrade");
    private static final String SECRET_PREFIX = "whsec_";
    private static final int MAX_HEADERS = 20;

    private final Destinations destinations;
    private final PostgresInserter postgres;
    private final RouteStream stream;
    private final JsonMapper json;

    RouteRules(Destinations destinations, PostgresInserter postgres, RouteStream stream, JsonMapper json) {
        this.destinations = destinations;
        this.postgres = postgres;
        this.stream = stream;
        this.json = json;
    }

    /** Reads merged route fields; a member of the wrong JSON type is a field error. */
    public RouteFields read(JsonNode fields) {
        try {
            return json.treeToValue(fields, RouteFields.class);
        } catch (JacksonException e) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "a field has the wrong type",
                    List.of(new ApiException.FieldError(field(e), "has the wrong type")));
        }
    }

    /**
     * Checks every field; with {@code withSecret} the destination's secret is read (or generated when absent)
     * and returned with its key.
     */
    public Valid validate(RouteFields in, boolean withSecret) {
        Violations v = new Violations();
        v.required("name", in.name()).maxLength("name", in.name(), 128)
                .pattern("name", in.name(), NO_CONTROL, "free of control characters");
        List<String> source = source(v, in.source());
        String condition = in.condition() == null || in.condition().isBlank() ? null : in.condition();
        if (condition != null) {
            v.maxLength("condition", condition, 4096);
            try {
                FleetQuery.parse(condition);
            } catch (ApiException e) {
                v.add("condition", e.getMessage());
            }
        }
        String payloadCondition = payloadCondition(v, in.payloadCondition(),
                source.stream().anyMatch(TelemetryFilter::isTelemetry));
        RouteFields.Destination d = in.destination();
        Route.Destination destination = null;
        byte[] key = null;
        if (d == null) {
            v.add("destination", "is required");
        } else if (Route.Destination.POSTGRESQL.equals(d.type()) || Route.Destination.NATS.equals(d.type())) {
            destination = tableOrSubject(v, d);
        } else {
            boolean mqtt = Route.Destination.MQTT.equals(d.type());
            if (!mqtt && !Route.Destination.WEBHOOK.equals(d.type())) {
                v.add("destination.type", "must be webhook, mqtt, postgresql or nats");
            }
            String refusal = d.url() == null || d.url().isBlank() ? "is required"
                    : d.url().length() > 2048 ? "must be at most 2048 characters"
                    : mqtt ? destinations.brokerRefusal(d.url()) : destinations.refusal(d.url());
            if (refusal != null) {
                v.add("destination.url", refusal);
            }
            int timeout = d.timeoutMs() == null ? 5000 : d.timeoutMs();
            if (timeout < 100 || timeout > 30_000) {
                v.add("destination.timeout_ms", "must be between 100 and 30000");
            }
            if (mqtt) {
                if (d.secret() != null || d.headers() != null) {
                    v.add(d.secret() != null ? "destination.secret" : "destination.headers",
                            "is for webhooks only");
                }
                int qos = d.qos() == null ? 1 : d.qos();
                if (qos != 0 && qos != 1) {
                    v.add("destination.qos", "must be 0 or 1");
                }
                topic(v, d.topic());
                destination = new Route.Destination(Route.Destination.MQTT, d.url(), null, timeout, null, d.topic(),
                        qos);
            } else {
                if (d.topic() != null || d.qos() != null) {
                    v.add(d.topic() != null ? "destination.topic" : "destination.qos", "is for mqtt only");
                }
                Map<String, String> headers = headers(v, d.headers());
                String secret = null;
                if (withSecret) {
                    if (d.secret() == null) {
                        byte[] generated = new byte[32];
                        RANDOM.nextBytes(generated);
                        secret = SECRET_PREFIX + Base64.getEncoder().encodeToString(generated);
                    } else {
                        secret = d.secret();
                    }
                    key = key(v, secret);
                }
                destination = new Route.Destination(Route.Destination.WEBHOOK, d.url(), headers, timeout, secret, null,
                        null);
            }
        }
        v.throwIfAny();
        return new Valid(source, condition, payloadCondition, destination, key);
    }

    private static final Pattern SUBJECT = Pattern.compile("([A-Za-z0-9_-]|\\{(tenant|device|type)})+"
            + "(\\.([A-Za-z0-9_-]|\\{(tenant|device|type)})+)*");

    /** A PostgreSQL destination (a known connection, a table, mapped columns) or a NATS subject template. */
    private Route.Destination tableOrSubject(Violations v, RouteFields.Destination d) {
        boolean pg = Route.Destination.POSTGRESQL.equals(d.type());
        int timeout = d.timeoutMs() == null ? 5000 : d.timeoutMs();
        if (timeout < 1000 || timeout > 30_000) {
            v.add("destination.timeout_ms", "must be between 1000 and 30000");
        }
        for (var extra : new Object[][] {{"url", d.url()}, {"secret", d.secret()}, {"headers", d.headers()},
                {"topic", d.topic()}, {"qos", d.qos()}, {"connection", pg ? null : d.connection()},
                {"table", pg ? null : d.table()}, {"columns", pg ? null : d.columns()},
                {"subject", pg ? d.subject() : null}}) {
            if (extra[1] != null) {
                v.add("destination." + extra[0], "is not a field of a " + d.type() + " destination");
            }
        }
        if (!pg) {
            if (!stream.enabled()) {
                v.add("destination.type", "nats needs the platform's NATS (fleetkeeper.nats.url), which is not set");
            }
            if (d.subject() == null || d.subject().isBlank()) {
                v.add("destination.subject", "is required");
            } else if (d.subject().length() > 200 || !SUBJECT.matcher(d.subject()).matches()) {
                v.add("destination.subject", "must be at most 200 characters of dot-separated tokens (letters, "
                        + "digits, _ and -, no wildcards) with only {tenant}, {device} and {type} as placeholders");
            }
            return new Route.Destination(Route.Destination.NATS, null, null, timeout, null, null, null, null, null,
                    null, d.subject());
        }
        if (d.connection() == null || d.connection().isBlank()) {
            v.add("destination.connection", "is required");
        } else if (!postgres.knows(d.connection())) {
            v.add("destination.connection", "is not a PostgreSQL connection the platform operator defined");
        }
        if (d.table() == null || d.table().isBlank()) {
            v.add("destination.table", "is required");
        } else if (java.util.Arrays.stream(d.table().split("\\.", -1)).anyMatch(
                p -> !PostgresInserter.IDENTIFIER.matcher(p).matches()) || d.table().split("\\.").length > 2) {
            v.add("destination.table", "must be a name or schema.name of letters, digits and underscores");
        }
        Map<String, String> columns = new LinkedHashMap<>();
        if (d.columns() == null || d.columns().isEmpty() || d.columns().size() > 50) {
            v.add("destination.columns", "must map 1 to 50 columns to parts of the event");
        } else {
            d.columns().forEach((column, field) -> {
                if (!PostgresInserter.IDENTIFIER.matcher(column).matches()) {
                    v.add("destination.columns", "'" + column + "' is not a column name (letters, digits, _)");
                } else if (field == null || !PostgresInserter.FIELD.matcher(field).matches()) {
                    v.add("destination.columns", "'" + column + "' must map to id, type, time, tenant, device, "
                            + "event, data or data.<field>");
                } else {
                    columns.put(column, field);
                }
            });
        }
        return new Route.Destination(Route.Destination.POSTGRESQL, null, null, timeout, null, null, null,
                d.connection(), d.table(), columns, null);
    }

    /** Placeholders a topic template may hold: {@code {tenant}}, {@code {device}}, {@code {type}}. */
    private static final Pattern TOPIC = Pattern.compile("([^+#{}\\u0000]|\\{(tenant|device|type)})+");

    private static void topic(Violations v, String topic) {
        if (topic == null || topic.isBlank()) {
            v.add("destination.topic", "is required");
        } else if (topic.length() > 256 || !TOPIC.matcher(topic).matches() || topic.startsWith("$")) {
            v.add("destination.topic", "must be at most 256 characters, without wildcards or a leading $, with "
                    + "only {tenant}, {device} and {type} as placeholders");
        }
    }

    /** Event types (or {@code *}), or telemetry filters ({@code telemetry:…}), not both. */
    private static List<String> source(Violations v, List<String> source) {
        if (source == null || source.isEmpty()) {
            v.add("source", "must list at least one event type, or *, or telemetry topic filters");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String t : source) {
            String problem = TelemetryFilter.isTelemetry(t) ? TelemetryFilter.problem(t)
                    : t == null || (!t.equals(Route.ANY) && !EventTypes.ALL.contains(t)) ? "unknown event type '" + t
                    + "'" : null;
            if (problem != null) {
                v.add("source", problem);
            } else if (!out.contains(t)) {
                out.add(t);
            }
        }
        long telemetry = out.stream().filter(TelemetryFilter::isTelemetry).count();
        if (telemetry > 0 && telemetry < out.size()) {
            v.add("source", "lists event types or telemetry filters, not both");
        } else if (telemetry > TelemetryFilter.MAX_PER_ROUTE) {
            v.add("source", "at most " + TelemetryFilter.MAX_PER_ROUTE + " telemetry filters");
        }
        return out;
    }

    /** A condition on a telemetry message's metrics; only for a telemetry source. */
    private static String payloadCondition(Violations v, String text, boolean telemetry) {
        if (text == null || text.isBlank()) {
            return null;
        }
        if (!telemetry) {
            v.add("payload_condition", "applies to telemetry sources only");
            return text;
        }
        try {
            PayloadCondition.parse(text);
        } catch (ApiException e) {
            v.add("payload_condition", e.getMessage());
        }
        return text;
    }

    private static Map<String, String> headers(Violations v, Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        if (headers == null) {
            return out;
        }
        if (headers.size() > MAX_HEADERS) {
            v.add("destination.headers", "at most " + MAX_HEADERS + " headers");
        }
        headers.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HEADER_NAME.matcher(name).matches() || RESERVED_HEADERS.contains(lower)
                    || lower.startsWith("webhook-")) {
                v.add("destination.headers", "'" + name + "' is not a header name a route may set");
            } else if (value == null || value.length() > 1024 || !NO_CONTROL.matcher(value).matches()) {
                v.add("destination.headers", "'" + name + "' needs a value of at most 1024 characters without "
                        + "control characters");
            } else {
                out.put(name, value);
            }
        });
        return out;
    }

    private static byte[] key(Violations v, String secret) {
        if (secret.startsWith(SECRET_PREFIX)) {
            try {
                byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
                if (key.length >= 24 && key.length <= 64) {
                    return key;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        v.add("destination.secret", "must be whsec_ followed by the base64 of 24 to 64 random bytes");
        return null;
    }

    private static String field(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getPropertyName());
            }
        }
        return sb.isEmpty() ? "body" : sb.toString();
    }
}
