package io.fleetkeeper.provisioning.web;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.provisioning.ProvisionService;
import io.fleetkeeper.provisioning.ProvisionService.Provisioned;
import io.fleetkeeper.tenancy.Caller;
import jakarta.annotation.Nullable;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.security.PrivateKey;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Seed 004's {@code POST /devices/provision}: an operator provisions a device with its factory certificate. */
@RestController
class ProvisionController {

    /**
     * The device, its operational certificate (record, PEM and chain up to the root), the private key (PKCS#8
     * PEM) only when the server generated it, and the tenant's bootstrap configuration for this device.
     */
    record ProvisionedView(Device device, boolean reprovisioned, DeviceCertificate certificate,
            String certificatePem, String chainPem, @Nullable String privateKeyPem,
            @Nullable JsonNode bootstrapConfiguration) {
    }

    private final ProvisionService provisioning;

    ProvisionController(ProvisionService provisioning) {
        this.provisioning = provisioning;
    }

    @PostMapping("/api/v1/devices/provision")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<ProvisionedView> provision(Caller caller, @RequestBody ProvisionService.Request body,
            HttpServletRequest request) {
        Provisioned p = provisioning.provision(caller, body, request.getRemoteAddr());
        var b = p.bootstrapped();
        return ResponseEntity.status(HttpStatus.CREATED).cacheControl(CacheControl.noStore())
                .location(URI.create("/api/v1/devices/" + b.device().id()))
                .body(new ProvisionedView(b.device(), b.reprovisioned(), b.certificate().certificate(),
                        b.certificate().certificate().pem(), Pem.chain(b.certificate().chain()),
                        p.privateKey() == null ? null : pkcs8(p.privateKey()), p.bootstrapConfiguration()));
    }

    private static String pkcs8(PrivateKey key) {
        try {
            return Pem.write(new JcaPKCS8Generator(key, null).generate());
        } catch (PemGenerationException e) {
            throw new IllegalStateException("cannot encode the generated key", e);
        }
    }
}
