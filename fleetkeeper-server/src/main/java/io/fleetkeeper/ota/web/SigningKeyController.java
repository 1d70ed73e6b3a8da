package io.fleetkeeper.ota.web;

import io.fleetkeeper.pki.CodeSigningKey;
import io.fleetkeeper.pki.CodeSigningService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/ota/signing-key}: the tenant's code-signing key that signs OTA manifests (its certificate and
 * chain, never the private key); rotate or revoke it (admin).
 */
@RestController
@RequestMapping("/api/v1/ota/signing-key")
class SigningKeyController {

    /** {@code {reason?}}: an RFC 5280 revocation reason for the key(s) revoked. */
    record Revocation(String reason) {
    }

    private final CodeSigningService signing;

    SigningKeyController(CodeSigningService signing) {
        this.signing = signing;
    }

    @GetMapping
    CodeSigningKey get(Caller caller) {
        return signing.current(caller.tenantId());
    }

    @PostMapping("/rotate")
    @RequiresRole(Role.ADMIN)
    CodeSigningKey rotate(Caller caller, @RequestBody(required = false) Revocation body) {
        return signing.rotate(caller, body == null ? null : body.reason());
    }

    @PostMapping("/revoke")
    @RequiresRole(Role.ADMIN)
    CodeSigningKey revoke(Caller caller, @RequestBody(required = false) Revocation body) {
        return signing.revoke(caller, body == null ? null : body.reason());
    }
}
