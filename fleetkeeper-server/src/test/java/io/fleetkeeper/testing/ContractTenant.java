package io.fleetkeeper.testing;

import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import java.util.UUID;

/** A tenant of its own for one store contract test, made through the tenancy service, with its admin caller. */
public record ContractTenant(UUID id, Caller admin) {

    public static final Caller PLATFORM = new Caller(null, "test-platform", Role.PLATFORM);

    public static ContractTenant create(TenantService tenants, String prefix) {
        UUID id = tenants.create(PLATFORM, prefix + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
        return new ContractTenant(id, new Caller(id, "test-admin", Role.ADMIN));
    }
}
