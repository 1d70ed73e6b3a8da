package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.provisioning.internal.ProvenanceRepository;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;

/** Which key, token or manifest provisioned which device. */
@Service
public class ProvenanceService {

    private final ProvenanceRepository credentials;
    private final DeviceService devices;

    ProvenanceService(ProvenanceRepository credentials, DeviceService devices) {
        this.credentials = credentials;
        this.devices = devices;
    }

    public Provenance of(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        return credentials.provenanceOf(tenantId, deviceId)
                .orElseThrow(() -> ApiException.notFound("provisioning record (created through the API)"));
    }

    public Page<UUID> devicesFrom(UUID tenantId, String method, UUID sourceId, String cursor, int limit) {
        return Page.afterId("provisioned-device", cursor, limit,
                (after, fetch) -> credentials.devicesFrom(tenantId, method, sourceId.toString(), after, fetch),
                id -> id);
    }
}
