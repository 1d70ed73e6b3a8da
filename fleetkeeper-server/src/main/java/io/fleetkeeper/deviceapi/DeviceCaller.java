package io.fleetkeeper.deviceapi;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import org.springframework.stereotype.Component;

/**
 * Who is calling a device-API endpoint that takes either credential: the {@code X-Device-Key} when one is sent
 * (a current key of a device that may be served, else 401), otherwise the client certificate the listener
 * authenticated ({@link AuthenticatedDevice#ATTRIBUTE}), otherwise 401. Shared by the device shadow and device
 * command endpoints.
 */
@Component
public class DeviceCaller {

    private final DeviceCredentials credentials;

    DeviceCaller(DeviceCredentials credentials) {
        this.credentials = credentials;
    }

    public AuthenticatedDevice resolve(String deviceKey, AuthenticatedDevice certificate) {
        if (deviceKey != null) {
            if (credentials.key(deviceKey) instanceof AuthenticatedDevice device) {
                return device;
            }
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "device key is not valid");
        }
        if (certificate != null) {
            return certificate;
        }
        throw new ApiException(ErrorCode.UNAUTHENTICATED,
                "a device key (X-Device-Key) or a device client certificate is required");
    }
}
