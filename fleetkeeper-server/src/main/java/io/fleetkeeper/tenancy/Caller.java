package io.fleetkeeper.tenancy;

import java.util.UUID;

/**
 * Who is calling, resolved from the credential alone. A tenant caller is bound to exactly one tenant;
 * a platform caller ({@link Role#PLATFORM}) has none and only reaches operator endpoints.
 *
 * @param tenantId the tenant, or {@code null} for a platform operator
 * @param actor    how audit and events name the caller, e.g. {@code token:<id>} or {@code jwt:<subject>}
 * @param role     the role the credential carries
 */
public record Caller(UUID tenantId, String actor, Role role) {

    public boolean isPlatform() {
        return role == Role.PLATFORM;
    }

    public static Caller system(UUID tenantId) {
        return new Caller(tenantId, "system", Role.ADMIN);
    }
}
