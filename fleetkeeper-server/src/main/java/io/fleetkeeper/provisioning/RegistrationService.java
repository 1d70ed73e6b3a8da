package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.DeviceKeyService;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.provisioning.internal.Attempts;
import io.fleetkeeper.provisioning.internal.TenantGate;
import io.fleetkeeper.provisioning.internal.ProvenanceRepository;
import io.fleetkeeper.provisioning.internal.KeyRepository;
import io.fleetkeeper.provisioning.internal.KeyRepository.Found;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.Secrets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Device self-registration with a provisioning key (seed 001): the device joins the key's tenant and
 * receives its device key once. Every attempt is audited, failed ones too, and failures are rate-limited.
 */
@Service
public class RegistrationService {

    /** What a registering device sends. {@code type} and {@code location} follow seed 001. */
    public record Registration(String name, String type, String location, UUID site, String serial,
            Map<String, String> metadata) {
    }

    /** The answer: the new device and its key, which the device must store (it is never shown again). */
    public record Registered(UUID deviceId, String deviceKey, UUID tenantId) {
    }

    private final KeyRepository keys;
    private final ProvenanceRepository credentials;
    private final DeviceService devices;
    private final DeviceKeyService deviceKeys;
    private final AuditService audit;
    private final Attempts attempts;
    private final TenantGate tenantGate;
    private final TransactionTemplate tx;
    private final Clock clock;

    RegistrationService(KeyRepository keys, ProvenanceRepository credentials, DeviceService devices,
            DeviceKeyService deviceKeys, AuditService audit, Attempts attempts, TenantGate tenantGate,
            PlatformTransactionManager txm,
            Clock clock) {
        this.keys = keys;
        this.credentials = credentials;
        this.devices = devices;
        this.deviceKeys = deviceKeys;
        this.audit = audit;
        this.attempts = attempts;
        this.tenantGate = tenantGate;
        this.tx = new TransactionTemplate(txm);
        this.clock = clock;
    }

    public Registered register(String keySecret, Registration in, String remoteAddr) {
        String credential = keySecret == null ? "none" : Secrets.sha256(keySecret);
        attempts.check(remoteAddr, credential);
        Found<ProvisioningKey> found = keySecret == null || !keySecret.startsWith(ProvisioningKeyService.PREFIX)
                ? null : keys.keyByHash(credential).orElse(null);
        if (found == null || !Secrets.sameDigest(found.hash(), credential)) {
            rejected(null, "unknown", remoteAddr, credential, "unknown provisioning key");
            throw invalid();
        }
        UUID tenantId = found.tenantId();
        ProvisioningKey key = found.value();
        Caller actor = new Caller(tenantId, "provisioning-key:" + key.id(), Role.OPERATOR);
        try {
            tenantGate.requireActive(tenantId);
            return tx.execute(s -> {
                Device d = devices.create(actor, newDevice(key, in));
                String deviceKey = deviceKeys.issueFirst(tenantId, d.id());
                credentials.provenance(tenantId, new Provenance(d.id(), "provisioning_key", key.id().toString(),
                        remoteAddr, Times.now(clock)));
                devices.recordEvent(tenantId, d.id(), "PROVISIONED", actor.actor(),
                        "{\"method\":\"provisioning_key\",\"key_id\":\"" + key.id() + "\"}");
                audit.record(tenantId, actor, "device.register", "device", d.id().toString(),
                        "{\"key_id\":\"" + key.id() + "\",\"remote_addr\":\"" + remoteAddr + "\"}");
                // Counting the device on the key is the last write: its row is locked only until the commit.
                if (!keys.useKey(tenantId, key.id(), clock.millis())) {
                    throw invalid();
                }
                return new Registered(d.id(), deviceKey, tenantId);
            });
        } catch (ApiException e) {
            rejected(tenantId, key.id().toString(), remoteAddr, credential, e.getMessage());
            throw e;
        }
    }

    private static NewDevice newDevice(ProvisioningKey key, Registration in) {
        String type = in.type() == null ? key.deviceType() : in.type();
        if (key.deviceType() != null && in.type() != null && !key.deviceType().equals(in.type())) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "this key registers devices of type '"
                    + key.deviceType() + "' only", List.of(new ApiException.FieldError("type", "must be '"
                    + key.deviceType() + "' or absent")));
        }
        Map<String, String> meta = new LinkedHashMap<>(in.metadata() == null ? Map.of() : in.metadata());
        if (in.location() != null) {
            meta.putIfAbsent("location", in.location());
        }
        return new NewDevice(in.name(), type, in.serial(), List.of(), meta, null, null, in.site())
                .withTemplate(key.templateId());
    }

    private void rejected(UUID tenantId, String keyId, String remoteAddr, String credential, String why) {
        attempts.rejected(tenantId, "provisioning-key:" + keyId, "device.register.rejected", "provisioning_key",
                keyId, remoteAddr, credential, why);
    }

    static ApiException invalid() {
        return new ApiException(ErrorCode.UNAUTHENTICATED, "provisioning key is not valid");
    }
}
