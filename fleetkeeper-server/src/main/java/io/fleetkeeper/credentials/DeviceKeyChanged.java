package io.fleetkeeper.credentials;

import java.util.UUID;

/** Published (as a Spring application event, after the transaction commits) when a device's key is replaced. */
public record DeviceKeyChanged(UUID tenantId, UUID deviceId) {
}
