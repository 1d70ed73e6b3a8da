package io.fleetkeeper.credentials;

import java.util.UUID;

/**
 * A device that proved who it is, by a client certificate or by its device key. Every device-facing path
 * (HTTPS device API, EST, MQTT, the external-broker hooks) gets this one type from {@link DeviceCredentials}.
 *
 * @param tenantId      the device's tenant
 * @param deviceId      the device
 * @param method        how it proved it
 * @param certificateId the recorded certificate it presented; null for a device key
 * @param slot          that certificate's slot; null for a device key
 */
public record AuthenticatedDevice(UUID tenantId, UUID deviceId, Method method, UUID certificateId, String slot)
        implements Authentication {

    /** The request attribute a device listener request carries it in, once authenticated by certificate. */
    public static final String ATTRIBUTE = "io.fleetkeeper.credentials.AuthenticatedDevice";

    /** How a device authenticated. */
    public enum Method {
        CERTIFICATE("certificate"), DEVICE_KEY("device_key");

        private final String wire;

        Method(String wire) {
            this.wire = wire;
        }

        /** As connection records and the external-broker hooks name it. */
        public String wire() {
            return wire;
        }
    }

    /** How audit entries and events name the device. */
    public String actor() {
        return "device:" + deviceId;
    }
}
