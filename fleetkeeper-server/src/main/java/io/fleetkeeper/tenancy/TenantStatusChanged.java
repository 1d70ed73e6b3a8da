package io.fleetkeeper.tenancy;

import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import java.util.UUID;

/** Published (as a Spring application event, after the transaction commits) when a tenant is suspended or resumed. */
public record TenantStatusChanged(UUID tenantId, TenantStatus status) {
}
