package io.fleetkeeper.device;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a caller supplies to create a device; everything else is the server's. With {@code templateId} the device
 * is created from the template's latest version (its type and defaults apply where the caller gives none); with
 * {@code parentDeviceId} it is the child of that gateway.
 */
public record NewDevice(String name, String deviceType, String serial, List<String> tags,
        Map<String, ?> metadata, String firmwareVersion, String hardwareRevision, UUID site, String icon,
        String iconColor, UUID templateId, UUID parentDeviceId) {

    /** A device with an icon, without template or gateway. */
    public NewDevice(String name, String deviceType, String serial, List<String> tags, Map<String, ?> metadata,
            String firmwareVersion, String hardwareRevision, UUID site, String icon, String iconColor) {
        this(name, deviceType, serial, tags, metadata, firmwareVersion, hardwareRevision, site, icon, iconColor,
                null, null);
    }

    /** The same device created from {@code template} (when not null and none is named yet). */
    public NewDevice withTemplate(UUID template) {
        return template == null || templateId != null ? this : new NewDevice(name, deviceType, serial, tags,
                metadata, firmwareVersion, hardwareRevision, site, icon, iconColor, template, parentDeviceId);
    }

    /** A device without an icon. */
    public NewDevice(String name, String deviceType, String serial, List<String> tags, Map<String, ?> metadata,
            String firmwareVersion, String hardwareRevision, UUID site) {
        this(name, deviceType, serial, tags, metadata, firmwareVersion, hardwareRevision, site, null, null);
    }
}
