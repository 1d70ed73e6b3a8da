package io.fleetkeeper.device;

import java.util.UUID;

/**
 * Published (as a Spring application event, after the transaction commits) when a device's status
 * changes or the device is purged. Connectivity listens to close live sessions of devices that may no
 * longer connect.
 *
 * @param status the new status, or null when the device was purged
 */
public record DeviceStatusChanged(UUID tenantId, UUID deviceId, DeviceStatus status) {

    /** Whether the device may no longer hold a connection. */
    public boolean refusesConnections() {
        return status == null || status == DeviceStatus.SUSPENDED || status == DeviceStatus.DECOMMISSIONED;
    }
}
