package io.fleetkeeper.fleet.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fixed whitelist of query fields and the device columns they read. Field names never reach SQL
 * otherwise: only the {@code column} strings below do.
 */
public enum QueryField {
    ID("id", "d.id", Kind.UUID, false),
    NAME("name", "d.name", Kind.TEXT, false),
    TYPE("type", "d.device_type", Kind.TEXT, false),
    SERIAL("serial", "d.serial", Kind.TEXT, true),
    STATUS("status", "d.status", Kind.STATUS, false),
    IDENTITY_STATUS("identity_status", "d.identity_status", Kind.IDENTITY, false),
    SITE("site", "d.site_id", Kind.UUID, true),
    TAG("tag", null, Kind.TAG, false),
    FIRMWARE("firmware", "d.firmware_version", Kind.TEXT, true),
    HARDWARE("hardware", "d.hardware_revision", Kind.TEXT, true),
    REGISTERED_AT("registered_at", "d.registered_at", Kind.TIME, false),
    LAST_SEEN("last_seen", "d.last_seen_at", Kind.TIME, true),
    METADATA("metadata", null, Kind.METADATA, false),
    /** Whether the device holds a live connection; the connectivity feature supplies the condition. */
    CONNECTED("connected", null, Kind.BOOL, false),
    /** A value in the classic shadow's reported state; the shadow feature supplies the condition. */
    SHADOW_REPORTED("shadow.reported", null, Kind.JSON, false);

    /** What values a field takes and which operators apply. */
    public enum Kind { UUID, TEXT, STATUS, IDENTITY, TIME, TAG, METADATA, BOOL, JSON }

    private static final Map<String, QueryField> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toMap(QueryField::wire, Function.identity()));

    /** The fields aggregation can group by. */
    public static final List<QueryField> GROUPABLE = List.of(TYPE, STATUS, IDENTITY_STATUS, SITE, FIRMWARE, HARDWARE,
            SERIAL, TAG, METADATA);

    private final String wire;
    private final String column;
    private final Kind kind;
    private final boolean nullable;

    QueryField(String wire, String column, Kind kind, boolean nullable) {
        this.wire = wire;
        this.column = column;
        this.kind = kind;
        this.nullable = nullable;
    }

    /**
     * The field named {@code name} exactly ({@code metadata} and {@code shadow.reported} without their key or
     * path), or null.
     */
    public static QueryField of(String name) {
        return BY_NAME.get(name);
    }

    public String wire() {
        return wire;
    }

    /** The device column, or null for the fields read from other tables (tag, metadata, connected, shadow). */
    public String column() {
        return column;
    }

    public Kind kind() {
        return kind;
    }

    public boolean nullable() {
        return nullable;
    }

    /** Whether the name is followed by a key or path ({@code metadata.KEY}, {@code shadow.reported.PATH}). */
    public boolean keyed() {
        return kind == Kind.METADATA || kind == Kind.JSON;
    }

    /**
     * Whether {@code <, <=, >, >=} apply (text compares by code point, times by instant, shadow values as JSON
     * strings or numbers).
     */
    public boolean ordered() {
        return kind == Kind.TEXT || kind == Kind.TIME || kind == Kind.METADATA || kind == Kind.JSON;
    }

    /** The names users write, for messages. */
    public static String names() {
        return Arrays.stream(values()).map(f -> f.keyed() ? f.wire + (f == METADATA ? ".KEY" : ".PATH") : f.wire)
                .collect(Collectors.joining(", "));
    }
}
