package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.internal.EstService;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.pki.Pem;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code /device/v1}: JSON for devices on the device listener, authenticated by their certificate. */
@RestController
class DeviceCertificateController {

    record RenewRequest(String csr) {
    }

    record Renewed(UUID certificateId, String certificatePem, String chainPem, Instant notAfter) {
    }

    private final EstService est;

    DeviceCertificateController(EstService est) {
        this.est = est;
    }

    /** A new certificate for a new key (PEM CSR), in the slot of the certificate the device presented. */
    @PostMapping("/device/v1/certificates/renew")
    Renewed renew(AuthenticatedDevice device, @RequestBody RenewRequest body) {
        if (body.csr() == null || body.csr().isBlank()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "csr is required",
                    List.of(new ApiException.FieldError("csr", "is required (PEM PKCS#10)")));
        }
        Issued issued = est.renew(device, Pem.csr(body.csr(), "csr"));
        return new Renewed(issued.certificate().id(), issued.certificate().pem(), Pem.chain(issued.chain()),
                issued.certificate().notAfter());
    }
}
