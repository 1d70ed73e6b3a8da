package io.fleetkeeper.tenancy;

import java.time.Instant;
import java.util.UUID;

/** An API token's public view. The secret itself is shown once, in {@link IssuedToken}, and stored hashed. */
public record ApiToken(UUID id, String name, Role role, String prefix, String createdBy, Instant createdAt,
        Instant expiresAt, Instant revokedAt, Instant lastUsedAt) {

    /** A freshly created token with its secret, returned exactly once. */
    public record IssuedToken(ApiToken token, String secret) {
    }
}
