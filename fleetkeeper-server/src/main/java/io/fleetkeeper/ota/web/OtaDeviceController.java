package io.fleetkeeper.ota.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.ota.DeploymentService;
import io.fleetkeeper.ota.OtaAction;
import io.fleetkeeper.ota.OtaManifest;
import io.fleetkeeper.ota.OtaStatusReport;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * OTA over HTTPS polling on the device listener, for devices without MQTT: {@code GET /device/v1/ota/next} (the
 * manifest of the device's next execution, which marks it NOTIFIED, or 204) and
 * {@code POST /device/v1/ota/{execution}/status}. The device authenticates with its {@code X-Device-Key}, else
 * its client certificate.
 */
@RestController
class OtaDeviceController {

    private final DeploymentService deployments;
    private final DeviceCaller callers;

    OtaDeviceController(DeploymentService deployments, DeviceCaller callers) {
        this.deployments = deployments;
        this.callers = callers;
    }

    @GetMapping("/device/v1/ota/next")
    @ApiResponse(responseCode = "200", description = "The next execution's manifest", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "204", description = "Nothing to install")
    ResponseEntity<OtaManifest> next(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        return deployments.nextManifest(self.tenantId(), self.deviceId(), true).map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.noContent().build());
    }

    /** {@code {status, progress?, detail?, version?}} → 200 with the execution as it is afterwards. */
    @PostMapping("/device/v1/ota/{execution}/status")
    OtaAction status(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @PathVariable long execution, @RequestBody OtaStatusReport body) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        return deployments.reportStatus(self.tenantId(), self.deviceId(), execution, body);
    }
}
