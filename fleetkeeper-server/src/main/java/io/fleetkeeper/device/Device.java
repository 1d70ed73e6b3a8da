package io.fleetkeeper.device;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A device as the registry knows it. {@code version} increases on every change and is its ETag;
 * {@code identityStatus} is derived from its identity certificate (NO_IDENTITY, ACTIVE, RENEWAL_PENDING,
 * EXPIRING_SOON, EXPIRED, REVOKED) and maintained by the PKI feature; {@code health} (ONLINE, STALE, OFFLINE) is
 * derived from when the device was last heard and maintained by the telemetry feature. {@code icon} (a token such as
 * {@code water-meter}) and {@code iconColor} ({@code #RRGGBB}) are how consoles draw it. {@code templateId} and
 * {@code templateVersion} name the template version the device was created from or last upgraded to;
 * {@code parentDeviceId} is the gateway that may speak for it.
 */
public record Device(UUID id, String name, String deviceType, @Nullable String serial, DeviceStatus status,
        String identityStatus, String health, @Nullable String firmwareVersion, @Nullable String hardwareRevision,
        @Nullable UUID site, @Nullable String icon, @Nullable String iconColor, List<String> tags, Map<String, Object> metadata, Instant registeredAt,
        @Nullable Instant lastSeenAt, Instant updatedAt, long version, @Nullable UUID templateId,
        @Nullable Integer templateVersion, @Nullable UUID parentDeviceId) {

    Device withStatus(DeviceStatus newStatus, Instant now) {
        return new Device(id, name, deviceType, serial, newStatus, identityStatus, health, firmwareVersion, hardwareRevision, site,
                icon, iconColor, tags, metadata, registeredAt, lastSeenAt, now, version + 1, templateId,
                templateVersion, parentDeviceId);
    }

    Device withTemplate(UUID template, int templateVer, Map<String, Object> meta, Instant now) {
        return new Device(id, name, deviceType, serial, status, identityStatus, health, firmwareVersion, hardwareRevision, site,
                icon, iconColor, tags, meta, registeredAt, lastSeenAt, now, version + 1, template, templateVer,
                parentDeviceId);
    }
}
