package io.fleetkeeper.provisioning;

import java.util.UUID;

/** A device authenticated by its device key. */
public record DeviceIdentity(UUID tenantId, UUID deviceId) {
}
