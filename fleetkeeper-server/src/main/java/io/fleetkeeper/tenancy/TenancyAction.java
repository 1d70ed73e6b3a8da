package io.fleetkeeper.tenancy;

import java.util.UUID;

/**
 * A change to a tenant or an API token, published synchronously inside the transaction that makes it,
 * so the audit trail records it in that transaction (tenancy does not depend on the audit feature, which
 * depends on tenancy for {@link Caller} and roles).
 *
 * @param tenantId   the tenant, or {@code null} for a platform token
 * @param actor      who made the change
 * @param action     e.g. {@code tenant.create}, {@code token.revoke}
 * @param targetType {@code tenant} or {@code api_token}
 * @param targetId   the id of the tenant or token
 * @param details    JSON details, or {@code null}
 */
public record TenancyAction(UUID tenantId, Caller actor, String action, String targetType, String targetId,
        String details) {
}
