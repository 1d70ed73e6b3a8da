package io.fleetkeeper.pki;

import io.fleetkeeper.pki.internal.KeyVault;
import org.springframework.stereotype.Component;

/**
 * Encryption at rest for secrets other features keep (webhook signing keys), under the same master key and
 * envelope as CA private keys: AES-256-GCM, the associated data binding a sealed secret to its owner's id.
 */
@Component
public class SecretVault {

    private final KeyVault vault;

    SecretVault(KeyVault vault) {
        this.vault = vault;
    }

    public String seal(byte[] secret, String boundTo) {
        return vault.sealBytes(secret, boundTo);
    }

    public byte[] open(String sealed, String boundTo) {
        return vault.openBytes(sealed, boundTo);
    }
}
