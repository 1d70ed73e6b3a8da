package io.fleetkeeper.tenancy;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/** An API token's public view. The secret itself is shown once, in {@link IssuedToken}, and stored hashed. */
public record ApiToken(UUID id, String name, Role role, String prefix, @Nullable String createdBy, Instant createdAt,
        @Nullable Instant expiresAt, @Nullable Instant revokedAt, @Nullable Instant lastUsedAt) {

    /** A freshly created token with its secret, returned exactly once. */
    public record IssuedToken(ApiToken token, String secret) {
    }
}
