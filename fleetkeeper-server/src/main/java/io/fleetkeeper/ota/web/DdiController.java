package io.fleetkeeper.ota.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.ota.OtaProperties;
import io.fleetkeeper.tenancy.TenantService;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * hawkBit's Direct Device Integration (DDI) API on the device listener, so that update clients written for
 * hawkBit (SWUpdate's suricatta, RAUC's hawkBit client) poll Fleetkeeper unchanged. Only the base poll resource
 * so far: it tells the client how long to sleep and offers no action. The device authenticates with
 * {@code Authorization: TargetToken <device key>} or its client certificate; the path's tenant is the device's
 * tenant id or name and the controller id its device id or serial, anything else answers 404.
 */
@RestController
class DdiController {

    private static final String TARGET_TOKEN = "TargetToken ";

    private final DeviceCaller callers;
    private final TenantService tenants;
    private final DeviceService devices;
    private final OtaProperties props;

    DdiController(DeviceCaller callers, TenantService tenants, DeviceService devices, OtaProperties props) {
        this.callers = callers;
        this.tenants = tenants;
        this.devices = devices;
        this.props = props;
    }

    /** The base poll resource: {@code config.polling.sleep} and the links to pending actions (none yet). */
    @GetMapping(path = "/{tenant}/controller/v1/{controllerId}", produces = {"application/hal+json",
            "application/json"})
    Map<String, Object> poll(@PathVariable String tenant, @PathVariable String controllerId,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            @RequestAttribute(name = AuthenticatedDevice.ATTRIBUTE, required = false) AuthenticatedDevice cert) {
        AuthenticatedDevice self = callers.resolve(targetToken(authorization), cert);
        requireTarget(self, tenant, controllerId);
        return Map.of("config", Map.of("polling", Map.of("sleep", hms(props.ddiPollingSleep()))),
                "_links", Map.of());
    }

    private static String targetToken(String authorization) {
        if (authorization != null && authorization.regionMatches(true, 0, TARGET_TOKEN, 0, TARGET_TOKEN.length())) {
            return authorization.substring(TARGET_TOKEN.length()).trim();
        }
        return null;
    }

    /** The path must name the authenticated device: ids are checked in memory, names and serials in the store. */
    private void requireTarget(AuthenticatedDevice self, String tenant, String controllerId) {
        boolean tenantMatches = tenant.equalsIgnoreCase(self.tenantId().toString())
                || tenant.equals(tenants.get(self.tenantId()).name());
        boolean deviceMatches = controllerId.equalsIgnoreCase(self.deviceId().toString())
                || controllerId.equals(devices.get(self.tenantId(), self.deviceId()).serial());
        if (!tenantMatches || !deviceMatches) {
            throw ApiException.notFound("controller");
        }
    }

    /** hawkBit's {@code HH:mm:ss}. */
    static String hms(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
