package io.fleetkeeper.secrets;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * A new secret slot: either {@code value} (supplied by the client) or {@code generate: true}. The value is
 * never part of {@link #toString()}.
 */
public record NewSecret(String slot, SecretType type, @Nullable String value, @Nullable Boolean generate,
        @Nullable Instant expiresAt, @Nullable String description, @Nullable Boolean deviceReadable) {

    @Override
    public String toString() {
        return "NewSecret[slot=" + slot + ", type=" + type + ", generate=" + generate + "]";
    }
}
