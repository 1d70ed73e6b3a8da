package io.fleetkeeper.tenancy;

import java.util.UUID;

/**
 * Published (as a Spring application event, after the transaction commits) when an API token is revoked,
 * so other nodes can drop it from their token cache at once.
 */
public record TokenRevoked(UUID tenantId, UUID tokenId) {
}
