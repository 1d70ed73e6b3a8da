package io.fleetkeeper.provisioning;

import java.util.UUID;

/**
 * Which CA issues a provisioned device's certificate, decided once the credential has named the tenant
 * (EST labels name a tenant and a CA; the JSON endpoints always use the default).
 */
@FunctionalInterface
public interface CaChoice {

    /** The tenant's default CA. */
    CaChoice DEFAULT = tenantId -> null;

    /**
     * The CA for a device of {@code tenantId}: its id, or null for the tenant's default CA. Throws an
     * {@link io.fleetkeeper.api.ApiException} (404) when the request names no CA of that tenant.
     */
    UUID caFor(UUID tenantId);
}
