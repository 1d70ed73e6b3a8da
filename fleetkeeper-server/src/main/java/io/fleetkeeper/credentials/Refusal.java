package io.fleetkeeper.credentials;

/** Why a credential does not authenticate a device, with a detail for logs and problem responses. */
public record Refusal(Reason reason, String detail) implements Authentication {

    /** Why. Each protocol maps these to its own answer (401 or 403, a CONNACK code). */
    public enum Reason {
        /** No client certificate and no device key. */
        NO_CREDENTIAL,
        /** The chain does not validate against its tenant's CAs now. */
        UNTRUSTED,
        /** A valid chain, but the certificate is bound to no device. */
        UNKNOWN_CERTIFICATE,
        /** The device key is not a current key. */
        INVALID_KEY,
        REVOKED,
        /** Replaced by a newer certificate, and its overlap has ended. */
        SUPERSEDED,
        NOT_VALID_NOW,
        /** The credential's device no longer exists. */
        UNKNOWN_DEVICE,
        DEVICE_SUSPENDED,
        DEVICE_DECOMMISSIONED,
        TENANT_SUSPENDED,
        /** The certificate is bound to devices of more than one tenant: it authenticates in none of them. */
        AMBIGUOUS
    }
}
