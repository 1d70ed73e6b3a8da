package io.fleetkeeper.deviceapi;

import io.fleetkeeper.pki.DeviceCertificate;
import java.util.UUID;

/**
 * A device authenticated by its TLS client certificate. A device-listener handler that takes a parameter
 * of this type serves only such devices (others get 401/403); the identity is also in the request
 * attribute {@link #ATTRIBUTE} when there is one.
 *
 * @param tenantId    the tenant of the CA that issued the certificate
 * @param deviceId    the device the certificate is bound to
 * @param certificate the recorded certificate the device presented
 */
public record DeviceIdentity(UUID tenantId, UUID deviceId, DeviceCertificate certificate) {

    public static final String ATTRIBUTE = "io.fleetkeeper.deviceapi.DeviceIdentity";

    /** How audit entries and events name the device. */
    public String actor() {
        return "device:" + deviceId;
    }
}
