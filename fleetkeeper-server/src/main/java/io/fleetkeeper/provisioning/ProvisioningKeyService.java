package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceRules;
import io.fleetkeeper.provisioning.internal.KeyRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Secrets;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Tenant admins' provisioning keys (seed 001): create (secret shown once), list, get, revoke. */
@Service
public class ProvisioningKeyService {

    public static final String PREFIX = "fkp_";

    private final KeyRepository keys;
    private final AuditService audit;
    private final Clock clock;

    private final io.fleetkeeper.device.DeviceService devices;

    ProvisioningKeyService(KeyRepository keys, AuditService audit, Clock clock,
            io.fleetkeeper.device.DeviceService devices) {
        this.devices = devices;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public ProvisioningKey.Issued create(Caller caller, String label, String deviceType,
            Instant expiresAt, Integer maxDevices) {
        return create(caller, label, deviceType, expiresAt, maxDevices, null);
    }

    /** With {@code templateId}: the devices the key registers are created from that template. */
    @Transactional
    public ProvisioningKey.Issued create(Caller caller, String label, String deviceType,
            Instant expiresAt, Integer maxDevices, UUID templateId) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations().required("label", label).maxLength("label", label, 200);
        if (templateId != null && !devices.templateExists(tenantId, templateId)) {
            v.add("template_id", "no such template");
        }
        if (deviceType != null) {
            DeviceRules.type(v, deviceType);
        }
        if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
            v.add("expires_at", "must be in the future");
        }
        if (maxDevices != null && (maxDevices < 1 || maxDevices > 10_000_000)) {
            v.add("max_devices", "must be between 1 and 10000000");
        }
        v.throwIfAny();
        String secret = Secrets.generate(PREFIX);
        ProvisioningKey key = new ProvisioningKey(Ids.newId(clock), label, secret.substring(0, PREFIX.length() + 6),
                deviceType, expiresAt, maxDevices, 0, null, caller.actor(), Times.now(clock), templateId);
        keys.insertKey(tenantId, key, Secrets.sha256(secret));
        audit.record(tenantId, caller, "provisioning_key.create", "provisioning_key", key.id().toString(), null);
        return new ProvisioningKey.Issued(key, secret);
    }

    public Page<ProvisioningKey> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("provisioning-key", cursor, limit, (after, fetch) -> keys.keys(tenantId, after, fetch),
                ProvisioningKey::id);
    }

    public ProvisioningKey get(UUID tenantId, UUID id) {
        return keys.key(tenantId, id).orElseThrow(() -> ApiException.notFound("provisioning key"));
    }

    /** Stops new registrations with the key; devices it registered are not touched. */
    @Transactional
    public ProvisioningKey revoke(Caller caller, UUID id) {
        UUID tenantId = caller.tenantId();
        get(tenantId, id);
        keys.revokeKey(tenantId, id, clock.millis());
        audit.record(tenantId, caller, "provisioning_key.revoke", "provisioning_key", id.toString(), null);
        return get(tenantId, id);
    }
}
