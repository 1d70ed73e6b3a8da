package io.fleetkeeper.event.internal;

import io.fleetkeeper.store.Ids;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route's telemetry source: {@code telemetry:} and an MQTT topic filter over the topics devices publish
 * telemetry on, {@code fk/<device>/telemetry} (the default stream) and {@code fk/<device>/telemetry/<stream>}.
 * {@code <device>} is a device id or {@code +} (any device); the stream level is a stream name, {@code +} (any
 * named stream, not the default one) or {@code #} (every stream, the default one included, as MQTT's {@code #}
 * matches its parent level). Telemetry posted over HTTPS matches as if published on its stream's topic.
 */
final class TelemetryFilter {

    static final String PREFIX = "telemetry:";
    /** Most telemetry filters one route may list. */
    static final int MAX_PER_ROUTE = 10;

    private static final Pattern FORM = Pattern.compile("fk/([^/]+)/telemetry(?:/([^/]*))?");
    private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String ANY = "+";
    private static final String ALL = "#";

    /** The device it matches, null for any. */
    private final UUID device;
    /** null: the default stream only; {@code +}, {@code #} or a stream name. */
    private final String stream;

    private TelemetryFilter(UUID device, String stream) {
        this.device = device;
        this.stream = stream;
    }

    static boolean isTelemetry(String source) {
        return source != null && source.startsWith(PREFIX);
    }

    /** Why {@code source} ({@code telemetry:…}) is not a telemetry filter, or null when it is one. */
    static String problem(String source) {
        Matcher m = FORM.matcher(source.substring(PREFIX.length()));
        if (!m.matches()) {
            return "'" + source + "' is not a telemetry filter: telemetry:fk/<device id or +>/telemetry, optionally "
                    + "followed by /<stream name, + or #>";
        }
        if (!m.group(1).equals(ANY) && Ids.parseOrNull(m.group(1)) == null) {
            return "'" + source + "': the device level is a device id or +";
        }
        String s = m.group(2);
        if (s != null && !s.equals(ANY) && !s.equals(ALL) && !STREAM.matcher(s).matches()) {
            return "'" + source + "': the stream level is +, # or a stream name (1 to 64 letters, digits, _ or -)";
        }
        return null;
    }

    /** A filter already checked with {@link #problem}. */
    static TelemetryFilter of(String source) {
        Matcher m = FORM.matcher(source.substring(PREFIX.length()));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a telemetry filter: " + source);
        }
        return new TelemetryFilter(m.group(1).equals(ANY) ? null : Ids.parseOrNull(m.group(1)), m.group(2));
    }

    /** Whether a message of {@code deviceId} on {@code stream} ({@code ""}: the default) passes. */
    boolean matches(UUID deviceId, String messageStream) {
        if (device != null && !device.equals(deviceId)) {
            return false;
        }
        if (stream == null) {
            return messageStream.isEmpty();
        }
        return switch (stream) {
            case ALL -> true;
            case ANY -> !messageStream.isEmpty();
            default -> stream.equals(messageStream);
        };
    }
}
