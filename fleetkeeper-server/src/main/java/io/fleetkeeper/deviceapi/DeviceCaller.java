package io.fleetkeeper.deviceapi;

import io.fleetkeeper.provisioning.DeviceKeyService;
import io.fleetkeeper.web.ApiException;
import io.fleetkeeper.web.ErrorCode;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Who is calling a device-API endpoint that takes either credential: the {@code X-Device-Key} when one is sent
 * (a current key of a device neither suspended nor decommissioned, else 401), otherwise the client certificate
 * the listener authenticated ({@link DeviceIdentity#ATTRIBUTE}), otherwise 401. Shared by the device shadow
 * and device command endpoints.
 */
@Component
public class DeviceCaller {

    /** The calling device. */
    public record Self(UUID tenantId, UUID deviceId) {
    }

    private final DeviceKeyService deviceKeys;

    DeviceCaller(DeviceKeyService deviceKeys) {
        this.deviceKeys = deviceKeys;
    }

    public Self resolve(String deviceKey, DeviceIdentity certificate) {
        if (deviceKey != null) {
            var id = deviceKeys.authenticate(deviceKey);
            return new Self(id.tenantId(), id.deviceId());
        }
        if (certificate != null) {
            return new Self(certificate.tenantId(), certificate.deviceId());
        }
        throw new ApiException(ErrorCode.UNAUTHENTICATED,
                "a device key (X-Device-Key) or a device client certificate is required");
    }
}
