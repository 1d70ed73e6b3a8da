package io.fleetkeeper.device;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fixed whitelist of fields a fleet query tests, by the names users write. Which column or table a field
 * reads is the device feature's business ({@link DeviceConditions}); a field name never reaches SQL.
 */
public enum DeviceField {
    ID("id", Kind.UUID, false),
    NAME("name", Kind.TEXT, false),
    TYPE("type", Kind.TEXT, false),
    SERIAL("serial", Kind.TEXT, true),
    STATUS("status", Kind.STATUS, false),
    IDENTITY_STATUS("identity_status", Kind.IDENTITY, false),
    /** ONLINE, STALE or OFFLINE, maintained by the telemetry feature's health evaluator. */
    HEALTH("health", Kind.HEALTH, false),
    SITE("site", Kind.UUID, true),
    TAG("tag", Kind.TAG, false),
    FIRMWARE("firmware", Kind.TEXT, true),
    HARDWARE("hardware", Kind.TEXT, true),
    REGISTERED_AT("registered_at", Kind.TIME, false),
    LAST_SEEN("last_seen", Kind.TIME, true),
    METADATA("metadata", Kind.METADATA, false),
    /** The device's gateway ({@code parent_device_id}). */
    PARENT("parent", Kind.UUID, true),
    /** Whether the device holds a live connection; the connectivity feature supplies the condition. */
    CONNECTED("connected", Kind.BOOL, false),
    /** A value in the classic shadow's reported state; the shadow feature supplies the condition. */
    SHADOW_REPORTED("shadow.reported", Kind.JSON, false),
    /** The latest value of a telemetry metric; the telemetry feature supplies the condition. */
    TELEMETRY("telemetry", Kind.JSON, false),
    /** A field of the device's carrier SIM ({@code sim.status}, {@code sim.data_used_mb}, ...); the carrier feature supplies the condition. */
    SIM("sim", Kind.JSON, false),
    /** The device's template, by its name or id; the template feature supplies the condition. */
    TEMPLATE("template", Kind.TEMPLATE, true),
    /** The version of its template the device was created from or upgraded to ({@code template_version}). */
    TEMPLATE_VERSION("template_version", Kind.NUMBER, true),
    /**
     * A sensor of the device: {@code sensor.KEY} (defined; compared, its latest reading) or
     * {@code sensor.KEY.FIELD} (its definition); the template feature supplies the condition.
     */
    SENSOR("sensor", Kind.JSON, false);

    /** What values a field takes and which operators apply. */
    public enum Kind { UUID, TEXT, STATUS, IDENTITY, HEALTH, TIME, TAG, METADATA, BOOL, JSON, TEMPLATE, NUMBER }

    private static final Map<String, DeviceField> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toMap(DeviceField::wire, Function.identity()));

    /** The fields aggregation can group by. */
    public static final List<DeviceField> GROUPABLE = List.of(TYPE, STATUS, IDENTITY_STATUS, HEALTH, SITE, FIRMWARE, HARDWARE,
            SERIAL, TAG, METADATA);

    private final String wire;
    private final Kind kind;
    private final boolean nullable;

    DeviceField(String wire, Kind kind, boolean nullable) {
        this.wire = wire;
        this.kind = kind;
        this.nullable = nullable;
    }

    /**
     * The field named {@code name} exactly ({@code metadata} and {@code shadow.reported} without their key or
     * path), or null.
     */
    public static DeviceField of(String name) {
        return BY_NAME.get(name);
    }

    public String wire() {
        return wire;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether a device may have no value (a test on an absent value is false, never NULL). */
    public boolean nullable() {
        return nullable;
    }

    /** Whether the name is followed by a key or path ({@code metadata.KEY}, {@code shadow.reported.PATH}). */
    public boolean keyed() {
        return kind == Kind.METADATA || kind == Kind.JSON;
    }

    /**
     * Whether {@code <, <=, >, >=} apply (text compares by code point, times by instant, numbers numerically,
     * shadow values as JSON strings or numbers).
     */
    public boolean ordered() {
        return kind == Kind.TEXT || kind == Kind.TIME || kind == Kind.METADATA || kind == Kind.JSON
                || kind == Kind.NUMBER;
    }

    /** The names users write, for messages. */
    public static String names() {
        return Arrays.stream(values()).map(f -> f.keyed() ? f.wire + (f == METADATA ? ".KEY"
                : f == TELEMETRY ? ".METRIC" : f == SIM ? ".FIELD" : f == SENSOR ? ".KEY" : ".PATH") : f.wire)
                .collect(Collectors.joining(", "));
    }
}
