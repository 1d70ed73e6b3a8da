package io.fleetkeeper.secrets;

/**
 * What a device secret slot holds (X.509 certificates live in the PKI's slots). TOKEN: a bearer token, supplied
 * or generated (256 random bits, base64url). SSH_KEY: an OpenSSH public key, supplied, or generated as an Ed25519
 * key pair whose private key is returned once and never stored. OTHER: any text the operator supplies (or 256
 * random bits, base64url, when generated).
 */
public enum SecretType {
    TOKEN, SSH_KEY, OTHER
}
