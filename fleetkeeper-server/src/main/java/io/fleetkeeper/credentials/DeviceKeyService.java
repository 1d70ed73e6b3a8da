package io.fleetkeeper.credentials;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.credentials.internal.DeviceKeyRepository;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Secrets;
import java.time.Clock;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Device keys: {@code dvc_} + 256 random bits, returned once, stored as SHA-256. They authenticate a device on
 * the HTTPS device API ({@code X-Device-Key}) and over MQTT (password, with the device id as user name), through
 * {@link DeviceCredentials#key}. Rotation replaces the key; the old one fails at once, on every node.
 */
@Service
public class DeviceKeyService {

    public static final String PREFIX = "dvc_";

    private final DeviceKeyRepository keys;
    private final DeviceService devices;
    private final AuditService audit;
    private final Clock clock;
    private final org.springframework.context.ApplicationEventPublisher publisher;

    DeviceKeyService(DeviceKeyRepository keys, DeviceService devices, AuditService audit, Clock clock,
            org.springframework.context.ApplicationEventPublisher publisher) {
        this.keys = keys;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
        this.publisher = publisher;
    }

    /** Gives the device a new key (replacing any) and returns it; the caller shows it once. */
    @Transactional
    public String issue(UUID tenantId, UUID deviceId) {
        String secret = Secrets.generate(PREFIX);
        boolean replaced = keys.hashOf(tenantId, deviceId).isPresent();
        keys.put(tenantId, deviceId, Secrets.sha256(secret), secret.substring(0, PREFIX.length() + 6), clock.millis());
        if (replaced) {
            var changed = new DeviceKeyChanged(tenantId, deviceId);
            AfterCommit.run(() -> publisher.publishEvent(changed));
        }
        return secret;
    }

    /**
     * The first key of a device created in the caller's transaction (registration): one insert, no look-up of a
     * key to replace. A device that has a key already fails the insert, and the transaction with it.
     */
    @Transactional
    public String issueFirst(UUID tenantId, UUID deviceId) {
        String secret = Secrets.generate(PREFIX);
        keys.insert(tenantId, deviceId, Secrets.sha256(secret), secret.substring(0, PREFIX.length() + 6),
                clock.millis());
        return secret;
    }

    /** Operator or device rotation: a new key now, the old one refused from this moment. */
    @Transactional
    public String rotate(Caller caller, UUID deviceId) {
        UUID tenantId = caller.tenantId();
        Device d = devices.get(tenantId, deviceId);
        if (d.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device gets no key");
        }
        String secret = issue(tenantId, deviceId);
        devices.recordEvent(tenantId, deviceId, "KEY-ROTATED", caller.actor(), null);
        audit.record(tenantId, caller, "device_key.rotate", "device", deviceId.toString(), null);
        return secret;
    }
}
