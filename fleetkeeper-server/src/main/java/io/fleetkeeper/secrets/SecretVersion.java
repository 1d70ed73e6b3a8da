package io.fleetkeeper.secrets;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One version of a secret slot, without its value. {@code status}: ACTIVE (the slot's current version),
 * SUPERSEDED (a later version replaced it) or REVOKED. {@code fingerprint}: for SSH keys the OpenSSH form
 * ({@code SHA256:} + base64 of the key blob's SHA-256); otherwise {@code sha256:} + the first 8 bytes of the
 * value's SHA-256 in hex. {@code publicKey}: an SSH key's OpenSSH public key line (public, so shown).
 */
public record SecretVersion(int version, String status, String fingerprint, @Nullable String publicKey,
        @Nullable Instant expiresAt, Instant createdAt, String createdBy, @Nullable Instant endedAt) {
}
