package io.fleetkeeper.pki.web;

import io.fleetkeeper.pki.CaService;
import io.fleetkeeper.pki.CrlService;
import io.fleetkeeper.pki.OcspService;
import io.fleetkeeper.pki.Pem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import org.bouncycastle.cert.X509CRLHolder;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriUtils;

/**
 * Unauthenticated PKI publication: CA bundles, CRLs (DER and PEM) and the OCSP responder, at
 * {@code /pki/v1/tenants/{tenant}/cas/{ca}/...}. These URLs are written into issued certificates.
 */
@RestController
@RequestMapping("/pki/v1/tenants/{tenant}/cas/{ca}")
class PublicPkiController {

    static final MediaType PKIX_CRL = MediaType.parseMediaType("application/pkix-crl");
    static final MediaType OCSP_RESPONSE = MediaType.parseMediaType("application/ocsp-response");

    private final CaService cas;
    private final CrlService crls;
    private final OcspService ocsp;

    PublicPkiController(CaService cas, CrlService crls, OcspService ocsp) {
        this.cas = cas;
        this.crls = crls;
        this.ocsp = ocsp;
    }

    @GetMapping(path = "/ca.pem", produces = "application/pem-certificate-chain")
    String bundle(@PathVariable UUID tenant, @PathVariable UUID ca) {
        return Pem.chain(cas.chain(tenant, ca));
    }

    @GetMapping("/crl")
    ResponseEntity<byte[]> crl(@PathVariable UUID tenant, @PathVariable UUID ca) {
        return ResponseEntity.ok().contentType(PKIX_CRL).body(crls.current(tenant, ca));
    }

    @GetMapping(path = "/crl.pem", produces = "application/x-pem-file")
    String crlPem(@PathVariable UUID tenant, @PathVariable UUID ca) throws java.io.IOException {
        return Pem.write(new X509CRLHolder(crls.current(tenant, ca)));
    }

    @PostMapping(path = "/ocsp", consumes = "application/ocsp-request")
    ResponseEntity<byte[]> ocspPost(@PathVariable UUID tenant, @PathVariable UUID ca, @RequestBody byte[] request) {
        return ResponseEntity.ok().contentType(OCSP_RESPONSE).body(ocsp.respond(tenant, ca, request));
    }

    /** RFC 6960 A.1 GET: the URL-encoded base64 request is the rest of the path (it may contain '/'). */
    @GetMapping("/ocsp/**")
    ResponseEntity<byte[]> ocspGet(@PathVariable UUID tenant, @PathVariable UUID ca,
            jakarta.servlet.http.HttpServletRequest http) {
        String uri = http.getRequestURI();
        String encoded = uri.substring(uri.indexOf("/ocsp/") + "/ocsp/".length());
        byte[] der;
        try {
            der = Base64.getDecoder().decode(UriUtils.decode(encoded, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            der = new byte[0];
        }
        return ResponseEntity.ok().contentType(OCSP_RESPONSE).body(ocsp.respond(tenant, ca, der));
    }
}
