package io.fleetkeeper.pki;

/**
 * Encryption at rest under the platform master key ({@code fleetkeeper.pki.master-key}, or
 * {@code <data-dir>/master.key}): AES-256-GCM with a fresh 96-bit nonce per value. The associated data
 * {@code boundTo} names the row a sealed value belongs to, so a value copied to another row does not open.
 * CA private keys are sealed with it; other features seal their secrets through this interface.
 */
public interface Sealer {

    /** {@code v1:base64(nonce || ciphertext+tag)}. */
    String seal(byte[] plaintext, String boundTo);

    /** The plaintext of {@link #seal}; throws when the value was altered or is bound to something else. */
    byte[] open(String sealed, String boundTo);
}
