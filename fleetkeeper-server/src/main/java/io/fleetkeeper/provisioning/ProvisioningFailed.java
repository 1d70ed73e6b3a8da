package io.fleetkeeper.provisioning;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * Published synchronously, in the transaction that audits it, when a device's provisioning attempt is refused
 * for a tenant (register, claim, enroll, bootstrap or provision): a listener writing in that transaction (the
 * event feature's outbox) commits with the audit entry. No secret is carried.
 *
 * @param method     how the device tried: {@code register}, {@code claim}, {@code enroll}, {@code bootstrap}, …
 * @param credential the kind and id of what it presented ({@code provisioning_key}, {@code claim_token}, …)
 * @param deviceId   the device, when the attempt named a known one
 */
public record ProvisioningFailed(UUID tenantId, String method, String credential, @Nullable String credentialId,
        @Nullable UUID deviceId, String reason, Instant at) {
}
