package io.fleetkeeper.cluster;

import java.util.UUID;

/** What nodes tell each other. Every field is plain data, so a bus can serialize it as JSON. */
public sealed interface ClusterMessage {

    /** The node that sent it. */
    String origin();

    /**
     * Forget cached credentials of a device (or, with a null device, of every device of the tenant) and,
     * when {@code close} is set, close its live sessions except {@code keepConnectionId} (a takeover). With a
     * {@code fingerprint}, only that certificate is withdrawn: only sessions authenticated with it close.
     */
    record Kick(String origin, UUID tenantId, UUID deviceId, boolean close, String keepConnectionId,
            String reason, String fingerprint) implements ClusterMessage {

        public Kick(String origin, UUID tenantId, UUID deviceId, boolean close, String keepConnectionId,
                String reason) {
            this(origin, tenantId, deviceId, close, keepConnectionId, reason, null);
        }
    }

    /**
     * A device connected on {@code origin} with connection {@code keepConnectionId}: any other node holding a
     * session of the device closes it (MQTT session takeover). Cached credentials stay.
     */
    record Takeover(String origin, UUID tenantId, UUID deviceId, String keepConnectionId)
            implements ClusterMessage {
    }

    /** Deliver a message to a device whose session another node may hold. */
    record Deliver(String origin, UUID tenantId, UUID deviceId, String suffix, byte[] payload, int qos)
            implements ClusterMessage {
    }

    /**
     * Drop a cached entry that another node's change made stale; a node ignores its own (it already did).
     *
     * @param cache one of {@link #TRUST_INDEX}, {@link #API_TOKENS}, {@link #DEVICE_KEYS}, {@link #CERTIFICATE},
     *              {@link #SHADOW_SCHEMAS}, {@link #ALL}
     * @param key   what to drop: a token id, a device id, a fingerprint, {@code tenant/type}, or null for
     *              everything in the cache
     */
    record Invalidate(String origin, String cache, String key) implements ClusterMessage {

        /** The CA certificates every node holds in memory ({@code pki.TrustIndex}); key unused. */
        public static final String TRUST_INDEX = "trust-index";
        /** Verified API tokens ({@code tenancy.TokenService}); key = token id, or null for all. */
        public static final String API_TOKENS = "api-tokens";
        /** Verified device keys ({@code credentials.DeviceCredentials}); key = device id. */
        public static final String DEVICE_KEYS = "device-keys";
        /** One verified client certificate ({@code credentials.DeviceCredentials}); key = SHA-256 fingerprint. */
        public static final String CERTIFICATE = "certificate";
        /** A device type's shadow schemas ({@code shadow.ShadowSchemas}); key = {@code <tenant id>/<device type>}. */
        public static final String SHADOW_SCHEMAS = "shadow-schemas";
        /**
         * Every cache above (key unused): sent by a node to itself when its link to the other nodes comes back
         * after an outage, since it may have missed any of the others.
         */
        public static final String ALL = "all";
    }
}
