package io.fleetkeeper.shadow.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.shadow.Shadow;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /device/v1/shadow[/{name}]} on the device listener: a device reads its shadow and delta and reports
 * its state. The device is its {@code X-Device-Key} or else its client certificate.
 */
@RestController
class DeviceShadowController {

    private static Caller caller(AuthenticatedDevice self) {
        return new Caller(self.tenantId(), "device:" + self.deviceId(), Role.OPERATOR);
    }

    private final ShadowService shadows;
    private final DeviceCaller callers;

    DeviceShadowController(ShadowService shadows, DeviceCaller callers) {
        this.shadows = shadows;
        this.callers = callers;
    }

    @GetMapping({"/device/v1/shadow", "/device/v1/shadow/{name}"})
    ResponseEntity<Shadow> get(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @PathVariable(required = false) String name) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        Shadow s = shadows.get(self.tenantId(), self.deviceId(), name);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @GetMapping({"/device/v1/shadow/delta", "/device/v1/shadow/{name}/delta"})
    ResponseEntity<Shadow.Delta> delta(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @PathVariable(required = false) String name) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        Shadow s = shadows.get(self.tenantId(), self.deviceId(), name);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s.delta());
    }

    /** {@code {"state":{"reported":{…}},"version"?,"client_token"?}}; {@code If-Match} works too. */
    @PatchMapping({"/device/v1/shadow", "/device/v1/shadow/{name}"})
    ResponseEntity<Shadow> report(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @PathVariable(required = false) String name, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        Shadow s = shadows.update(caller(self), self.deviceId(), name,
                ShadowUpdate.parse(body, "reported", Etags.expectedVersion(ifMatch)));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }
}
