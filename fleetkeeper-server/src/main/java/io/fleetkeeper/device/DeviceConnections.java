package io.fleetkeeper.device;

import java.util.UUID;

/**
 * What the registry asks about live device connections: the {@code connected} list filter and fleet query
 * field, and the connected count in the statistics. The connectivity feature provides it, so the device
 * feature does not depend on connectivity.
 */
public interface DeviceConnections {

    /**
     * A condition on {@code devices d} that holds when the device has a live connection. Its negation selects
     * the devices that are not connected (never connected ones included).
     */
    DeviceCondition connected(UUID tenantId);

    /** How many of the tenant's devices have a live connection. */
    long connectedCount(UUID tenantId);
}
