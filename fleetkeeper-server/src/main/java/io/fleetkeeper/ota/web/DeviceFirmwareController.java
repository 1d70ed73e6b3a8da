package io.fleetkeeper.ota.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.ota.FirmwareArtifact;
import io.fleetkeeper.ota.FirmwareService;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /device/v1/firmware/{id}/artifacts/{filename}} on the device listener: a device (its
 * {@code X-Device-Key}, else its client certificate) downloads an artifact of its tenant's catalog, resuming
 * with {@code Range}. A download from the first byte is audited; resumed ranges are not.
 */
@RestController
class DeviceFirmwareController {

    private final FirmwareService firmware;
    private final DeviceCaller callers;

    private final io.fleetkeeper.ota.OtaProperties props;

    DeviceFirmwareController(FirmwareService firmware, DeviceCaller callers, io.fleetkeeper.ota.OtaProperties props) {
        this.props = props;
        this.firmware = firmware;
        this.callers = callers;
    }

    @GetMapping("/device/v1/firmware/{id}/artifacts/{filename}")
    @ApiResponse(responseCode = "200", description = "The artifact",
            content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string",
                    format = "binary")))
    @ApiResponse(responseCode = "206", description = "The requested range",
            content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string",
                    format = "binary")))
    @ApiResponse(responseCode = "302", description = "A pre-signed URL of the artifact in the object store")
    void download(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @PathVariable UUID id, @PathVariable String filename,
            @Parameter(hidden = true) HttpServletRequest request,
            @Parameter(hidden = true) HttpServletResponse response) throws IOException {
        AuthenticatedDevice self = callers.resolve(key, cert);
        FirmwareArtifact a = firmware.artifact(self.tenantId(), id, filename);
        if (request.getHeader("Range") == null && !"HEAD".equals(request.getMethod())
                && request.getHeader("If-None-Match") == null) {
            firmware.recordDeviceDownload(self.tenantId(), self.deviceId(), id, a);
        }
        if (ArtifactDownload.redirect(response, props.downloadRedirectTtl(),
                () -> firmware.presign(self.tenantId(), a, props.downloadRedirectTtl()))) {
            return;
        }
        ArtifactDownload.serve(request, response, a,
                (offset, length) -> firmware.open(self.tenantId(), a, offset, length));
    }
}
