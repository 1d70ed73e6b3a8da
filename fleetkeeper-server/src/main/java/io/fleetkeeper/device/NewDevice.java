package io.fleetkeeper.device;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What a caller supplies to create a device; everything else is the server's. */
public record NewDevice(String name, String deviceType, String serial, List<String> tags,
        Map<String, ?> metadata, String firmwareVersion, String hardwareRevision, UUID site, String icon,
        String iconColor) {

    /** A device without an icon. */
    public NewDevice(String name, String deviceType, String serial, List<String> tags, Map<String, ?> metadata,
            String firmwareVersion, String hardwareRevision, UUID site) {
        this(name, deviceType, serial, tags, metadata, firmwareVersion, hardwareRevision, site, null, null);
    }
}
