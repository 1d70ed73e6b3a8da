package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.DeviceField;

/** The {@code devices d} column each plain field reads; the one place field names meet column names. */
public final class DeviceColumns {

    private DeviceColumns() {
    }

    /** The column, or null for the fields read from other tables (tag, metadata, connected, shadow, telemetry, SIM,
     * template, sensor). */
    public static String of(DeviceField field) {
        return switch (field) {
            case ID -> "d.id";
            case NAME -> "d.name";
            case TYPE -> "d.device_type";
            case SERIAL -> "d.serial";
            case STATUS -> "d.status";
            case IDENTITY_STATUS -> "d.identity_status";
            case HEALTH -> "d.health";
            case SITE -> "d.site_id";
            case FIRMWARE -> "d.firmware_version";
            case HARDWARE -> "d.hardware_revision";
            case REGISTERED_AT -> "d.registered_at";
            case LAST_SEEN -> "d.last_seen_at";
            case PARENT -> "d.parent_device_id";
            case TEMPLATE_VERSION -> "d.template_version";
            case TAG, METADATA, CONNECTED, SHADOW_REPORTED, TELEMETRY, SIM, TEMPLATE, SENSOR -> null;
        };
    }
}
