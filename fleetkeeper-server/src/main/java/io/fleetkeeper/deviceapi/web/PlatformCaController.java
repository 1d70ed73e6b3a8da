package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.pki.PlatformCa;
import io.fleetkeeper.pki.Pem;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The platform CA certificate, unauthenticated on the management port: devices trust it to verify the
 * device listener's generated server certificate.
 */
@RestController
class PlatformCaController {

    private final PlatformCa platformCa;

    PlatformCaController(PlatformCa platformCa) {
        this.platformCa = platformCa;
    }

    @GetMapping(path = "/pki/v1/platform/ca.pem", produces = "application/pem-certificate-chain")
    String certificate() {
        return Pem.write(platformCa.certificate());
    }
}
