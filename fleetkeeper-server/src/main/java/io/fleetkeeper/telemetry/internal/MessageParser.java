package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.api.ApiException.FieldError;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.telemetry.TelemetryProperties;
import io.fleetkeeper.telemetry.internal.TelemetryMessage.Metric;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Checks and flattens telemetry messages. A message is a JSON object whose members are metrics (a number, a
 * boolean, a short string, or an object of those, flattened to {@code outer.inner}), besides {@code ts} (epoch
 * milliseconds or RFC 3339), {@code msg_id} (the device's id of the message, for de-duplication) and, over
 * HTTPS, {@code stream}. Every problem is reported, each with the JSON pointer of its member.
 */
public final class MessageParser {

    /** A metric or stream name: ASCII letters, digits, {@code _} and {@code -}, 1 to 64 long. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern MSG_ID = Pattern.compile("[\\x21-\\x7E]{1,128}");

    /** The outcome: the messages when {@code problems} is empty. */
    public record Parsed(List<TelemetryMessage> messages, List<FieldError> problems) {
    }

    private final TelemetryProperties props;
    private final Clock clock;

    public MessageParser(TelemetryProperties props, Clock clock) {
        this.props = props;
        this.clock = clock;
    }

    /**
     * Parses an HTTPS body (one message or an array of them) or an MQTT payload ({@code topicStream} non-null:
     * one message, whose stream is the topic's). {@code retentionMillis} bounds how old {@code ts} may be.
     */
    public Parsed parse(UUID tenantId, UUID deviceId, JsonNode body, String topicStream, long retentionMillis) {
        long now = clock.millis();
        List<FieldError> problems = new ArrayList<>();
        List<TelemetryMessage> out = new ArrayList<>();
        if (body.isArray() && topicStream == null) {
            if (body.isEmpty()) {
                problems.add(new FieldError("", "a batch holds at least one message"));
            } else if (body.size() > props.maxBatch()) {
                problems.add(new FieldError("", "a batch holds at most " + props.maxBatch() + " messages"));
            } else {
                for (int i = 0; i < body.size(); i++) {
                    message(tenantId, deviceId, body.get(i), "/" + i, null, now, retentionMillis, out, problems);
                }
            }
        } else {
            message(tenantId, deviceId, body, "", topicStream, now, retentionMillis, out, problems);
        }
        return new Parsed(problems.isEmpty() ? out : List.of(), problems);
    }

    private void message(UUID tenantId, UUID deviceId, JsonNode m, String at, String topicStream, long now,
            long retentionMillis, List<TelemetryMessage> out, List<FieldError> problems) {
        if (!m.isObject()) {
            problems.add(new FieldError(at, "a message is a JSON object"));
            return;
        }
        int before = problems.size();
        long ts = m.has("ts") ? ts(m.get("ts"), at + "/ts", now, retentionMillis, problems) : now;
        String msgId = null;
        if (m.has("msg_id")) {
            JsonNode id = m.get("msg_id");
            if (id.isString() && MSG_ID.matcher(id.asString()).matches()) {
                msgId = id.asString();
            } else {
                problems.add(new FieldError(at + "/msg_id", "msg_id is a string of 1 to 128 printable ASCII "
                        + "characters without spaces"));
            }
        }
        String stream = topicStream == null ? "" : topicStream;
        if (m.has("stream")) {
            JsonNode s = m.get("stream");
            if (topicStream != null) {
                problems.add(new FieldError(at + "/stream", "over MQTT the stream is the topic's last level"));
            } else if (s.isString() && NAME.matcher(s.asString()).matches()) {
                stream = s.asString();
            } else {
                problems.add(new FieldError(at + "/stream", "a stream name is 1 to 64 letters, digits, _ or -"));
            }
        }
        List<Metric> metrics = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : m.properties()) {
            String key = e.getKey();
            if (key.equals("ts") || key.equals("msg_id") || key.equals("stream")) {
                continue;
            }
            String path = at + "/" + key;
            if (!NAME.matcher(key).matches()) {
                problems.add(new FieldError(path, "a metric name is 1 to 64 letters, digits, _ or -"));
            } else if (e.getValue().isObject()) {
                for (Map.Entry<String, JsonNode> inner : e.getValue().properties()) {
                    String innerPath = path + "/" + inner.getKey();
                    if (!NAME.matcher(inner.getKey()).matches()) {
                        problems.add(new FieldError(innerPath, "a metric name is 1 to 64 letters, digits, _ or -"));
                    } else if (inner.getValue().isObject()) {
                        problems.add(new FieldError(innerPath, "metrics nest one level at most"));
                    } else {
                        value(key + "." + inner.getKey(), inner.getValue(), innerPath, metrics, problems);
                    }
                }
            } else {
                value(key, e.getValue(), path, metrics, problems);
            }
        }
        if (metrics.isEmpty() && problems.size() == before) {
            problems.add(new FieldError(at, "a message holds at least one metric"));
        }
        if (metrics.size() > props.maxMetrics()) {
            problems.add(new FieldError(at, "a message holds at most " + props.maxMetrics() + " metrics"));
        }
        if (problems.size() == before) {
            out.add(new TelemetryMessage(tenantId, deviceId, msgId == null ? "srv-" + Ids.newId(clock) : msgId, ts,
                    stream, List.copyOf(metrics), now));
        }
    }

    private void value(String name, JsonNode v, String path, List<Metric> metrics, List<FieldError> problems) {
        if (v.isNumber()) {
            double d = v.asDouble();
            if (Double.isFinite(d)) {
                metrics.add(new Metric(name, "n", d, null));
            } else {
                problems.add(new FieldError(path, "the number is out of range"));
            }
        } else if (v.isBoolean()) {
            metrics.add(new Metric(name, "b", v.asBoolean() ? 1.0 : 0.0, null));
        } else if (v.isString()) {
            String s = v.asString();
            if (s.codePointCount(0, s.length()) > props.maxStringLength()) {
                problems.add(new FieldError(path, "a string value is at most " + props.maxStringLength()
                        + " characters"));
            } else {
                metrics.add(new Metric(name, "s", null, s));
            }
        } else {
            problems.add(new FieldError(path, "a metric is a number, a boolean, a string or an object of those"));
        }
    }

    private long ts(JsonNode v, String path, long now, long retentionMillis, List<FieldError> problems) {
        long ts;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            ts = v.asLong();
        } else if (v.isString()) {
            try {
                ts = OffsetDateTime.parse(v.asString()).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                problems.add(new FieldError(path, "ts is epoch milliseconds or an RFC 3339 date-time"));
                return now;
            }
        } else {
            problems.add(new FieldError(path, "ts is epoch milliseconds or an RFC 3339 date-time"));
            return now;
        }
        if (ts > now + props.maxFuture().toMillis()) {
            problems.add(new FieldError(path, "ts is more than " + props.maxFuture().toMinutes()
                    + " minutes ahead of the server's clock (" + Instant.ofEpochMilli(now) + ")"));
        } else if (ts < now - retentionMillis) {
            problems.add(new FieldError(path, "ts is older than the retention (" + retentionMillis / 86_400_000L
                    + " days)"));
        }
        return ts;
    }
}
