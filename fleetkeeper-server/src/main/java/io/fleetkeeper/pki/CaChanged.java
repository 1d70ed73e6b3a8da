package io.fleetkeeper.pki;

import java.util.UUID;

/**
 * Published (as a Spring application event, after the transaction commits) when a tenant's set of CAs
 * changes, so other nodes can rebuild their {@link TrustIndex} at once instead of within a minute.
 */
public record CaChanged(UUID tenantId, UUID caId) {
}
