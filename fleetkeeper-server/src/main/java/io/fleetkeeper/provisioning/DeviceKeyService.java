package io.fleetkeeper.provisioning;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.provisioning.internal.CredentialRepository;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Secrets;
import io.fleetkeeper.web.ApiException;
import io.fleetkeeper.web.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Device keys: {@code dvc_} + 256 random bits, returned once, stored as SHA-256. They authenticate the
 * device API ({@code X-Device-Key}) and, later, MQTT. Rotation replaces the key; the old one fails at once.
 */
@Service
public class DeviceKeyService {

    public static final String PREFIX = "dvc_";

    private final CredentialRepository credentials;
    private final DeviceService devices;
    private final AuditService audit;
    private final Clock clock;
    private final Cache<String, DeviceIdentity> cache;

    private final org.springframework.context.ApplicationEventPublisher publisher;

    DeviceKeyService(CredentialRepository credentials, DeviceService devices, AuditService audit, Clock clock,
            ProvisioningProperties props, org.springframework.context.ApplicationEventPublisher publisher) {
        this.publisher = publisher;
        this.credentials = credentials;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().maximumSize(500_000)
                .expireAfterWrite(Duration.ofSeconds(props.deviceKeyCacheSeconds())).build();
    }

    /** Gives the device a new key (replacing any) and returns it; the caller shows it once. */
    @Transactional
    public String issue(UUID tenantId, UUID deviceId) {
        String secret = Secrets.generate(PREFIX);
        String previous = credentials.hashOf(tenantId, deviceId).orElse(null);
        credentials.putKey(tenantId, deviceId, Secrets.sha256(secret), secret.substring(0, PREFIX.length() + 6),
                clock.millis());
        if (previous != null) {
            AfterCommit.run(() -> cache.invalidate(previous));
            var changed = new DeviceKeyChanged(tenantId, deviceId);
            AfterCommit.run(() -> publisher.publishEvent(changed));
        }
        return secret;
    }

    /**
     * Drops cached keys of a device, so its next authentication reads the store; called when another node
     * replaced the key (this node's own rotation drops the old key itself).
     */
    public void forget(UUID deviceId) {
        cache.asMap().values().removeIf(id -> id.deviceId().equals(deviceId));
    }

    /** Operator or device rotation: a new key now, the old one refused from this moment. */
    @Transactional
    public String rotate(UUID tenantId, Caller caller, UUID deviceId) {
        Device d = devices.get(tenantId, deviceId);
        if (d.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device gets no key");
        }
        String secret = issue(tenantId, deviceId);
        devices.recordEvent(tenantId, deviceId, "KEY-ROTATED", caller.actor(), null);
        audit.record(tenantId, caller, "device_key.rotate", "device", deviceId.toString(), null);
        return secret;
    }

    /**
     * Resolves an {@code X-Device-Key}: the key must be current and its device neither suspended nor
     * decommissioned. Any failure is the same 401.
     */
    public DeviceIdentity authenticate(String secret) {
        DeviceIdentity id = identify(secret).orElseThrow(DeviceKeyService::invalid);
        DeviceStatus status = devices.get(id.tenantId(), id.deviceId()).status();
        if (status == DeviceStatus.SUSPENDED || status == DeviceStatus.DECOMMISSIONED) {
            throw invalid();
        }
        return id;
    }

    /**
     * The device whose current key this is, whatever the device's status (callers decide on that); empty
     * for anything that is not a current key.
     */
    public java.util.Optional<DeviceIdentity> identify(String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 200) {
            return java.util.Optional.empty();
        }
        String hash = Secrets.sha256(secret);
        DeviceIdentity id = cache.getIfPresent(hash);
        if (id == null) {
            var stored = credentials.byHash(hash).orElse(null);
            if (stored == null || !Secrets.sameDigest(stored.hash(), hash)) {
                return java.util.Optional.empty();
            }
            id = stored.identity();
            cache.put(hash, id);
        }
        return java.util.Optional.of(id);
    }

    private static ApiException invalid() {
        return new ApiException(ErrorCode.UNAUTHENTICATED, "device key is not valid");
    }
}
