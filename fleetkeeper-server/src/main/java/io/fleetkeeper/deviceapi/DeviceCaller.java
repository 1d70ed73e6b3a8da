package io.fleetkeeper.deviceapi;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import java.time.Clock;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Who is calling a device-API endpoint that takes either credential: the {@code X-Device-Key} when one is sent
 * (a current key of a device that may be served, else 401), otherwise the client certificate the listener
 * authenticated ({@link DeviceCertificate}), otherwise 401. Shared by the device shadow, command and
 * telemetry endpoints. Every device it resolves is {@linkplain DeviceHeard heard} (its last-seen time moves).
 */
@Component
public class DeviceCaller {

    private final DeviceCredentials credentials;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    DeviceCaller(DeviceCredentials credentials, ApplicationEventPublisher events, Clock clock) {
        this.credentials = credentials;
        this.events = events;
        this.clock = clock;
    }

    /** The calling device; its client certificate is looked up only when no key is sent. */
    public AuthenticatedDevice resolve(String deviceKey, DeviceCertificate certificate) {
        if (deviceKey != null) {
            if (credentials.key(deviceKey) instanceof AuthenticatedDevice device) {
                return heard(device);
            }
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "device key is not valid");
        }
        AuthenticatedDevice device = certificate.device();
        if (device != null) {
            return heard(device);
        }
        throw new ApiException(ErrorCode.UNAUTHENTICATED,
                "a device key (X-Device-Key) or a device client certificate is required");
    }

    private AuthenticatedDevice heard(AuthenticatedDevice device) {
        events.publishEvent(new DeviceHeard(device.tenantId(), device.deviceId(), clock.instant()));
        return device;
    }
}
