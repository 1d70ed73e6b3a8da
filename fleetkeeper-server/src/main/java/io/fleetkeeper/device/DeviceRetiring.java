package io.fleetkeeper.device;

import io.fleetkeeper.tenancy.Caller;
import java.util.UUID;

/**
 * Published inside the transaction that decommissions a device (after its status is written) or purges it
 * (before its rows are deleted), so that listeners retire what belongs to the device in the same
 * transaction (PKI revokes its certificates).
 * A listener that fails rolls the decommission or purge back.
 *
 * @param purged true for a purge, false for a decommission
 */
public record DeviceRetiring(UUID tenantId, UUID deviceId, Caller caller, boolean purged) {
}
