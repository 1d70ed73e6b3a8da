package io.fleetkeeper.provisioning.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.tenancy.Tenant;
import io.fleetkeeper.tenancy.TenantService;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Provisioning into a suspended tenant is refused, like every other credential of that tenant. */
@Component
public class TenantGate {

    private final TenantService tenants;

    TenantGate(TenantService tenants) {
        this.tenants = tenants;
    }

    public void requireActive(UUID tenantId) {
        if (tenants.get(tenantId).status() != Tenant.TenantStatus.ACTIVE) {
            throw new ApiException(ErrorCode.TENANT_SUSPENDED, "the tenant is suspended");
        }
    }
}
