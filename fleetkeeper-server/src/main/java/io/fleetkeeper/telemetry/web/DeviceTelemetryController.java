package io.fleetkeeper.telemetry.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.telemetry.TelemetryService;
import java.util.concurrent.CompletionException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Telemetry over HTTPS on the device listener: {@code POST /device/v1/telemetry}, and the same at
 * {@code /ingest/v1/telemetry} and {@code /v1/ingest}. One message (an object) or a batch (an array); 202 with
 * the accepted count once it is durable. The device is its {@code X-Device-Key} or else its client certificate.
 */
@RestController
class DeviceTelemetryController {

    /** The JSON answer: how many messages were accepted. */
    record Accepted(int accepted) {
    }

    private final TelemetryService telemetry;
    private final DeviceCaller callers;

    DeviceTelemetryController(TelemetryService telemetry, DeviceCaller callers) {
        this.telemetry = telemetry;
        this.callers = callers;
    }

    @PostMapping({"/device/v1/telemetry", "/ingest/v1/telemetry", "/v1/ingest"})
    @ResponseStatus(HttpStatus.ACCEPTED)
    Accepted ingest(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @RequestHeader(name = "Content-Length", required = false) Long length, @RequestBody JsonNode body) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        telemetry.checkRate(self.deviceId(), TelemetryService.HTTPS);
        try {
            int n = telemetry.ingest(self.tenantId(), self.deviceId(), TelemetryService.HTTPS, body, null,
                    length == null ? 0 : length).join();
            return new Accepted(n);
        } catch (CompletionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            throw new ApiException(ErrorCode.INTERNAL_ERROR, "telemetry could not be stored");
        }
    }
}
