package io.fleetkeeper.provisioning.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.provisioning.ClaimService;
import io.fleetkeeper.provisioning.ClaimToken;
import io.fleetkeeper.credentials.DeviceKeyService;
import io.fleetkeeper.provisioning.ProvisioningKey;
import io.fleetkeeper.provisioning.ProvisioningKeyService;
import io.fleetkeeper.provisioning.Provenance;
import io.fleetkeeper.provisioning.ProvenanceService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Limits;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Management of provisioning keys, claim tokens and device keys; which credential provisioned which device. */
@RestController
@RequestMapping("/api/v1")
class ProvisioningController {

    record NewKey(String label, String deviceType, Instant expiresAt, Integer maxDevices, @Nullable UUID templateId) {
    }

    record IssuedKey(UUID id, @Nullable String label, String prefix, @Nullable String deviceType,
            @Nullable Instant expiresAt, @Nullable Integer maxDevices, Instant createdAt, String key,
            @Nullable UUID templateId) {
        static IssuedKey of(ProvisioningKey.Issued i) {
            ProvisioningKey k = i.key();
            return new IssuedKey(k.id(), k.label(), k.prefix(), k.deviceType(), k.expiresAt(), k.maxDevices(),
                    k.createdAt(), i.secret(), k.templateId());
        }
    }

    record NewToken(String label, String deviceType, Integer maxUses, Instant expiresAt,
            Map<String, String> defaultMetadata, @Nullable UUID templateId) {
    }

    record IssuedToken(UUID id, String label, String prefix, @Nullable String deviceType, int maxUses,
            Instant expiresAt, Instant createdAt, String token, @Nullable UUID templateId) {
        static IssuedToken of(ClaimToken.Issued i) {
            ClaimToken t = i.token();
            return new IssuedToken(t.id(), t.label(), t.prefix(), t.deviceType(), t.maxUses(), t.expiresAt(),
                    t.createdAt(), i.secret(), t.templateId());
        }
    }

    record DeviceKey(UUID deviceId, String deviceKey) {
    }

    private final ProvisioningKeyService keys;
    private final ClaimService claims;
    private final DeviceKeyService deviceKeys;
    private final ProvenanceService provenance;
    private final Limits limits;

    ProvisioningController(ProvisioningKeyService keys, ClaimService claims, DeviceKeyService deviceKeys,
            ProvenanceService provenance, Limits limits) {
        this.limits = limits;
        this.keys = keys;
        this.claims = claims;
        this.deviceKeys = deviceKeys;
        this.provenance = provenance;
    }

    @PostMapping("/provisioning-keys")
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<IssuedKey> createKey(Caller caller, @RequestBody NewKey body) {
        var issued = keys.create(caller, body.label(), body.deviceType(), body.expiresAt(),
                body.maxDevices(), body.templateId());
        return ResponseEntity.created(URI.create("/api/v1/provisioning-keys/" + issued.key().id()))
                .body(IssuedKey.of(issued));
    }

    @GetMapping("/provisioning-keys")
    Page<ProvisioningKey> keys(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return keys.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/provisioning-keys/{id}")
    ProvisioningKey key(Caller caller, @PathVariable UUID id) {
        return keys.get(caller.tenantId(), id);
    }

    @PostMapping("/provisioning-keys/{id}/revoke")
    @RequiresRole(Role.ADMIN)
    ProvisioningKey revokeKey(Caller caller, @PathVariable UUID id) {
        return keys.revoke(caller, id);
    }

    @GetMapping("/provisioning-keys/{id}/devices")
    Page<UUID> keyDevices(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        keys.get(caller.tenantId(), id);
        return provenance.devicesFrom(caller.tenantId(), "provisioning_key", id, cursor, limits.pageSize(limit));
    }

    @PostMapping("/claim-tokens")
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<IssuedToken> createToken(Caller caller, @RequestBody NewToken body) {
        var issued = claims.create(caller, body.label(), body.deviceType(), body.maxUses(),
                body.expiresAt(), body.defaultMetadata(), body.templateId());
        return ResponseEntity.created(URI.create("/api/v1/claim-tokens/" + issued.token().id()))
                .body(IssuedToken.of(issued));
    }

    @GetMapping("/claim-tokens")
    Page<ClaimToken> tokens(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return claims.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/claim-tokens/{id}")
    ClaimToken token(Caller caller, @PathVariable UUID id) {
        return claims.get(caller.tenantId(), id);
    }

    @PostMapping("/claim-tokens/{id}/revoke")
    @RequiresRole(Role.ADMIN)
    ClaimToken revokeToken(Caller caller, @PathVariable UUID id) {
        return claims.revoke(caller, id);
    }

    @GetMapping("/claim-tokens/{id}/devices")
    Page<UUID> tokenDevices(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        claims.get(caller.tenantId(), id);
        return provenance.devicesFrom(caller.tenantId(), "claim_token", id, cursor, limits.pageSize(limit));
    }

    @PostMapping("/devices/{id}/device-key/rotate")
    DeviceKey rotate(Caller caller, @PathVariable UUID id) {
        return new DeviceKey(id, deviceKeys.rotate(caller, id));
    }

    @GetMapping("/devices/{id}/provenance")
    Provenance provenanceOf(Caller caller, @PathVariable UUID id) {
        return provenance.of(caller.tenantId(), id);
    }
}
