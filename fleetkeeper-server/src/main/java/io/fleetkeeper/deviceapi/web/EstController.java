package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.internal.EstService;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.provisioning.BootstrapService;
import io.fleetkeeper.provisioning.ClaimService;
import io.fleetkeeper.provisioning.EnrollmentService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * RFC 7030 EST on the device listener, with and without a label ({@link EstService} explains labels).
 * Enrollment takes a {@link AuthenticatedDevice}, so it needs a device certificate; {@code cacerts} and
 * {@code csrattrs} do not. {@code fullcmc} is not offered (404).
 */
@RestController
@RequestMapping("/.well-known/est")
class EstController {

    private static final String CLIENT_CERTIFICATES = "jakarta.servlet.request.X509Certificate";

    private final EstService est;
    private final ClaimService claims;
    private final EnrollmentService enrollment;
    private final BootstrapService bootstrap;
    private final CertificateService certificates;
    private final RenewingDevice renewing;

    EstController(EstService est, ClaimService claims, EnrollmentService enrollment, BootstrapService bootstrap,
            CertificateService certificates, RenewingDevice renewing) {
        this.est = est;
        this.renewing = renewing;
        this.enrollment = enrollment;
        this.certificates = certificates;
        this.claims = claims;
        this.bootstrap = bootstrap;
    }

    @GetMapping({"/cacerts", "/{label}/cacerts"})
    ResponseEntity<byte[]> cacerts(@PathVariable(required = false) String label,
            @RequestAttribute(name = AuthenticatedDevice.ATTRIBUTE, required = false) AuthenticatedDevice device) {
        return EstCodec.certsOnly(est.caCertificates(label, device));
    }

    /**
     * Initial enrollment, authenticated by one of: the device's current certificate (TLS); a claim token as
     * the HTTP Basic password over TLS (a new device is created, as with {@code /device/v1/claim}); a
     * registered device's one-time enrollment code ({@code fke_...}) as the HTTP Basic password (the
     * certificate fills that device's identity slot); or a
     * factory certificate (TLS) whose serial is in a manifest (zero-touch, as {@code /device/v1/bootstrap},
     * the serial taken from the certificate). The label picks the tenant and CA for all four. A known
     * operational certificate that does not authenticate its device (suspended, revoked, superseded,
     * expired...) is refused as such: it is never tried as a factory certificate.
     */
    @PostMapping(path = {"/simpleenroll", "/{label}/simpleenroll"}, consumes = EstCodec.PKCS10)
    ResponseEntity<byte[]> simpleenroll(@PathVariable(required = false) String label,
            @RequestAttribute(name = AuthenticatedDevice.ATTRIBUTE, required = false) AuthenticatedDevice device,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            @RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response) {
        var csr = EstCodec.csr(body);
        if (device != null) {
            return EstCodec.certsOnly(List.of(est.enroll(label, device, csr, false)));
        }
        String claimToken = basicPassword(authorization);
        if (claimToken != null && claimToken.startsWith(EnrollmentService.PREFIX)) {
            var enrolled = enrollment.enroll(claimToken, csr, request.getRemoteAddr(), est.caChoice(label));
            return EstCodec.certsOnly(List.of(enrolled.certificate().chain().get(0)));
        }
        if (claimToken != null) {
            var claimed = claims.claim(claimToken, csr, new ClaimService.ClaimRequest(null, null, null),
                    request.getRemoteAddr(), est.caChoice(label));
            return EstCodec.certsOnly(List.of(claimed.certificate().chain().get(0)));
        }
        X509Certificate[] chain = (X509Certificate[]) request.getAttribute(CLIENT_CERTIFICATES);
        if (chain != null && chain.length > 0) {
            if (certificates.isOperational(chain[0])) {
                throw DeviceIdentityResolver.refusal(request.getAttribute(DeviceAuthenticationFilter.REJECTION),
                        response);
            }
            var b = bootstrap.bootstrap(chain, BootstrapService.serialOf(chain[0]), csr, request.getRemoteAddr(),
                    est.caChoice(label));
            return EstCodec.certsOnly(List.of(b.certificate().chain().get(0)));
        }
        // The challenge carries no body: EST clients (BouncyCastle's among them) answer a 401 by retrying with
        // credentials and expect nothing to read from it.
        return ResponseEntity.status(401).header("WWW-Authenticate", "Basic realm=\"fleetkeeper-est\"")
                .header("WWW-Authenticate", DeviceIdentityResolver.CHALLENGE).contentLength(0).build();
    }

    /** The password of an HTTP Basic header (the user name is ignored); null when there is none. */
    static String basicPassword(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? decoded : decoded.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "malformed Basic credentials");
        }
    }

    /**
     * Renews or re-keys the presented certificate's slot. An expired certificate is accepted within the tenant's
     * expired-renewal grace ({@link RenewingDevice}).
     */
    @PostMapping(path = {"/simplereenroll", "/{label}/simplereenroll"}, consumes = EstCodec.PKCS10)
    ResponseEntity<byte[]> simplereenroll(@PathVariable(required = false) String label, @RequestBody byte[] body,
            HttpServletRequest request, HttpServletResponse response) {
        AuthenticatedDevice device = renewing.of(request, response);
        return EstCodec.certsOnly(List.of(est.enroll(label, device, EstCodec.csr(body), true)));
    }

    /**
     * Server-side key generation (RFC 7030 4.4) for a device authenticated by its certificate: a new key pair
     * and a certificate for it in the presented certificate's slot, as {@code simplereenroll} would re-key it.
     * The CSR is required and must parse, but its key and signature are ignored (RFC 7030 4.4.1: they are a
     * placeholder). The private key is returned unencrypted over this TLS session and never kept.
     */
    @PostMapping(path = {"/serverkeygen", "/{label}/serverkeygen"}, consumes = EstCodec.PKCS10)
    ResponseEntity<byte[]> serverkeygen(@PathVariable(required = false) String label, AuthenticatedDevice device,
            @RequestBody byte[] body) {
        EstCodec.csr(body);
        EstService.ServerKey generated = est.generateKey(label, device);
        return EstCodec.keyAndCertificate(generated.privateKey(), generated.issued().chain().get(0));
    }

    /** No CSR attributes are required: the server decides subject and extensions (RFC 7030 4.5.2: 204). */
    @GetMapping({"/csrattrs", "/{label}/csrattrs"})
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> csrattrs() {
        return ResponseEntity.noContent().build();
    }
}
