package io.fleetkeeper.device;

import java.util.UUID;

/**
 * What the registry asks about live device connections: the {@code connected} list filter and fleet query
 * field, and the connected count in the statistics. The connectivity feature provides it, so the device
 * feature does not depend on connectivity.
 */
public interface DeviceConnections {

    /**
     * A condition that holds when the device whose id is {@code deviceId} has a live connection. Its negation
     * selects the devices that are not connected (never connected ones included).
     * <p>The contract of a condition provider: {@code deviceId} is an SQL expression for the device's id (a text
     * UUID) supplied by the device feature (today {@code d.id}), and the condition correlates with the device's
     * row only through it: it names only the provider's own tables, under aliases of its own, never the device
     * tables or their alias. It is two-valued (never SQL NULL), binds every value, including the tenant, in
     * {@code params}, and embeds no other text than fixed fragments.
     */
    DeviceCondition connected(UUID tenantId, String deviceId);

    /** How many of the tenant's devices have a live connection. */
    long connectedCount(UUID tenantId);
}
