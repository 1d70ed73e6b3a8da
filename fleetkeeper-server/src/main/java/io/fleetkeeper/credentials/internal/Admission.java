package io.fleetkeeper.credentials.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.credentials.Refusal;
import io.fleetkeeper.credentials.Refusal.Reason;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import io.fleetkeeper.tenancy.TenantService;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Whether the device a credential names may be served now, whatever the credential: its tenant is not
 * suspended, it exists and is neither suspended nor decommissioned. A device still {@code provisioning}
 * becomes active on this first authenticated contact (zero-touch).
 */
@Component
class Admission {

    private final DeviceService devices;
    private final TenantService tenants;

    Admission(DeviceService devices, TenantService tenants) {
        this.devices = devices;
        this.tenants = tenants;
    }

    /** Null when admitted, else the refusal. */
    Refusal check(UUID tenantId, UUID deviceId) {
        if (tenants.get(tenantId).status() == TenantStatus.SUSPENDED) {
            return new Refusal(Reason.TENANT_SUSPENDED, "the device's tenant is suspended");
        }
        DeviceStatus status;
        try {
            status = devices.status(tenantId, deviceId);
        } catch (ApiException notFound) {
            return new Refusal(Reason.UNKNOWN_DEVICE, "the credential's device no longer exists");
        }
        if (status == DeviceStatus.SUSPENDED) {
            return new Refusal(Reason.DEVICE_SUSPENDED, "the device is suspended");
        }
        if (status == DeviceStatus.DECOMMISSIONED) {
            return new Refusal(Reason.DEVICE_DECOMMISSIONED, "the device is decommissioned");
        }
        if (status == DeviceStatus.PROVISIONING) {
            devices.activateOnFirstContact(tenantId, deviceId, "device:" + deviceId);
        }
        return null;
    }
}
