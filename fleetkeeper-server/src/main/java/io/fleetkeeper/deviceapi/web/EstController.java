package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.deviceapi.DeviceIdentity;
import io.fleetkeeper.deviceapi.internal.EstService;
import java.util.List;
import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * RFC 7030 EST on the device listener, with and without a label ({@link EstService} explains labels).
 * Enrollment takes a {@link DeviceIdentity}, so it needs a device certificate; {@code cacerts} and
 * {@code csrattrs} do not. {@code serverkeygen} and {@code fullcmc} are not offered (404).
 */
@Hidden // served on the device listener, not part of the management API document
@RestController
@RequestMapping("/.well-known/est")
class EstController {

    private final EstService est;

    EstController(EstService est) {
        this.est = est;
    }

    @GetMapping({"/cacerts", "/{label}/cacerts"})
    ResponseEntity<byte[]> cacerts(@PathVariable(required = false) String label,
            @RequestAttribute(name = DeviceIdentity.ATTRIBUTE, required = false) DeviceIdentity device) {
        return EstCodec.certsOnly(est.caCertificates(label, device));
    }

    @PostMapping(path = {"/simpleenroll", "/{label}/simpleenroll"}, consumes = EstCodec.PKCS10)
    ResponseEntity<byte[]> simpleenroll(@PathVariable(required = false) String label,
            DeviceIdentity device, @RequestBody byte[] body) {
        return EstCodec.certsOnly(List.of(est.enroll(label, device, EstCodec.csr(body), false)));
    }

    @PostMapping(path = {"/simplereenroll", "/{label}/simplereenroll"}, consumes = EstCodec.PKCS10)
    ResponseEntity<byte[]> simplereenroll(@PathVariable(required = false) String label,
            DeviceIdentity device, @RequestBody byte[] body) {
        return EstCodec.certsOnly(List.of(est.enroll(label, device, EstCodec.csr(body), true)));
    }

    /** No CSR attributes are required: the server decides subject and extensions (RFC 7030 4.5.2: 204). */
    @GetMapping({"/csrattrs", "/{label}/csrattrs"})
    ResponseEntity<Void> csrattrs() {
        return ResponseEntity.noContent().build();
    }
}
