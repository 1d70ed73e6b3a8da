package io.fleetkeeper.secrets.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.secrets.DeviceReadableSecret;
import io.fleetkeeper.secrets.DeviceSecretService;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /device/v1/secrets/{slot}} on the device listener: a device reads the active value of its own slot
 * marked {@code device_readable}. The device is its {@code X-Device-Key} or else its client certificate.
 */
@RestController
class DeviceSecretController {

    private final DeviceSecretService secrets;
    private final DeviceCaller callers;

    DeviceSecretController(DeviceSecretService secrets, DeviceCaller callers) {
        this.secrets = secrets;
        this.callers = callers;
    }

    /** 404 when the slot is missing, not device-readable, revoked or expired. Never cached. */
    @GetMapping("/device/v1/secrets/{slot}")
    ResponseEntity<DeviceReadableSecret> read(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @PathVariable String slot) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        return ResponseEntity.ok().cacheControl(CacheControl.noStore())
                .body(secrets.readByDevice(self.tenantId(), self.deviceId(), slot));
    }
}
