package io.fleetkeeper.secrets;

import jakarta.annotation.Nullable;

/**
 * The answer to a create or a rotation, the only time a value is shown: the slot, and {@code value} (a TOKEN's
 * or OTHER's value; a generated SSH key's private key in OpenSSH format; null for a supplied SSH public key,
 * which {@code secret.public_key} shows). The value is never part of {@link #toString()}.
 */
public record RevealedSecret(DeviceSecret secret, @Nullable String value) {

    @Override
    public String toString() {
        return "RevealedSecret[secret=" + secret + ", value=(redacted)]";
    }
}
