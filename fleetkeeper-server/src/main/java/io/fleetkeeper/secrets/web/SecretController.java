package io.fleetkeeper.secrets.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.secrets.DeviceSecret;
import io.fleetkeeper.secrets.DeviceSecretService;
import io.fleetkeeper.secrets.NewSecret;
import io.fleetkeeper.secrets.RevealedSecret;
import io.fleetkeeper.secrets.SecretRotation;
import io.fleetkeeper.secrets.SecretUpdate;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A device's secret slots through the management API. Values appear only in the answers to create and rotate;
 * every other answer is metadata. Changes honour {@code If-Match} (the slot's version, 412 on a mismatch).
 */
@RestController
@RequestMapping("/api/v1/devices/{id}/secrets")
class SecretController {

    private final DeviceSecretService secrets;
    private final Limits limits;

    SecretController(DeviceSecretService secrets, Limits limits) {
        this.secrets = secrets;
        this.limits = limits;
    }

    /** 201 with the slot and, this once, its value. */
    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<RevealedSecret> create(Caller caller, @PathVariable UUID id, @RequestBody NewSecret body) {
        RevealedSecret r = secrets.create(caller, id, body);
        return ResponseEntity.created(URI.create("/api/v1/devices/" + id + "/secrets/" + r.secret().slot()))
                .eTag(Etags.of(r.secret().version())).body(r);
    }

    @GetMapping
    Page<DeviceSecret> list(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return secrets.list(caller.tenantId(), id, cursor, limits.pageSize(limit));
    }

    @GetMapping("/{slot}")
    ResponseEntity<DeviceSecret> get(Caller caller, @PathVariable UUID id, @PathVariable String slot) {
        DeviceSecret s = secrets.get(caller.tenantId(), id, slot);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    /** {@code {description?, device_readable?}}: settings only, no new version. */
    @PatchMapping("/{slot}")
    ResponseEntity<DeviceSecret> update(Caller caller, @PathVariable UUID id, @PathVariable String slot,
            @RequestBody SecretUpdate body, @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        DeviceSecret s = secrets.update(caller, id, slot, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    /** A new version ({@code value} or {@code generate: true}), shown this once. */
    @PostMapping("/{slot}/rotate")
    ResponseEntity<RevealedSecret> rotate(Caller caller, @PathVariable UUID id, @PathVariable String slot,
            @RequestBody SecretRotation body, @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        RevealedSecret r = secrets.rotate(caller, id, slot, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(r.secret().version())).body(r);
    }

    @PostMapping("/{slot}/revoke")
    ResponseEntity<DeviceSecret> revoke(Caller caller, @PathVariable UUID id, @PathVariable String slot,
            @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        DeviceSecret s = secrets.revoke(caller, id, slot, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping("/{slot}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id, @PathVariable String slot,
            @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        secrets.delete(caller, id, slot, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }
}
