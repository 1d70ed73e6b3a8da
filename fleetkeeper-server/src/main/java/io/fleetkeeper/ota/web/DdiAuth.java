package io.fleetkeeper.ota.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.tenancy.TenantService;
import org.springframework.stereotype.Component;

/**
 * Who is calling a DDI resource: {@code Authorization: TargetToken <device key>} or the client certificate, and
 * the path's tenant (id or name) and controller id (device id or serial) must name that device, else 404.
 * Ids are checked in memory, names and serials in the store.
 */
@Component
class DdiAuth {

    private static final String TARGET_TOKEN = "TargetToken ";

    private final DeviceCaller callers;
    private final TenantService tenants;
    private final DeviceService devices;

    DdiAuth(DeviceCaller callers, TenantService tenants, DeviceService devices) {
        this.callers = callers;
        this.tenants = tenants;
        this.devices = devices;
    }

    AuthenticatedDevice target(String tenant, String controllerId, String authorization, DeviceCertificate cert) {
        AuthenticatedDevice self = callers.resolve(targetToken(authorization), cert);
        boolean tenantMatches = tenant.equalsIgnoreCase(self.tenantId().toString())
                || tenant.equals(tenants.get(self.tenantId()).name());
        boolean deviceMatches = controllerId.equalsIgnoreCase(self.deviceId().toString())
                || controllerId.equals(devices.get(self.tenantId(), self.deviceId()).serial());
        if (!tenantMatches || !deviceMatches) {
            throw ApiException.notFound("controller");
        }
        return self;
    }

    private static String targetToken(String authorization) {
        if (authorization != null && authorization.regionMatches(true, 0, TARGET_TOKEN, 0, TARGET_TOKEN.length())) {
            return authorization.substring(TARGET_TOKEN.length()).trim();
        }
        return null;
    }
}
