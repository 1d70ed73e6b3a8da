package io.fleetkeeper.secrets;

import jakarta.annotation.Nullable;
import java.time.Instant;

/** A new version for a slot: {@code value} or {@code generate: true}; the value is never part of toString. */
public record SecretRotation(@Nullable String value, @Nullable Boolean generate, @Nullable Instant expiresAt) {

    @Override
    public String toString() {
        return "SecretRotation[generate=" + generate + ", expiresAt=" + expiresAt + "]";
    }
}
