package io.fleetkeeper.pki.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.pki.CaService;
import io.fleetkeeper.pki.CaService.NewCa;
import io.fleetkeeper.pki.CertificateAuthority;
import io.fleetkeeper.pki.PkiPolicy;
import io.fleetkeeper.pki.PolicyService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/pki}: the tenant's CAs, trust anchors and certificate policy (admin to change). */
@RestController
@RequestMapping("/api/v1/pki")
class PkiController {

    record ImportCa(String name, String certificatePem, String privateKeyPem) {
    }

    record TrustAnchor(String name, String certificatePem) {
    }

    record PolicyBody(int renewalWindowDays, int criticalWindowDays, int overlapHours, int deviceValidityDays,
            UUID defaultCaId, Integer expiredRenewalGraceDays, Boolean autoRotate,
            String rotationKey) {
    }

    private final CaService cas;
    private final PolicyService policies;
    private final Limits limits;

    PkiController(CaService cas, PolicyService policies, Limits limits) {
        this.cas = cas;
        this.policies = policies;
        this.limits = limits;
    }

    @PostMapping("/cas")
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<CertificateAuthority> create(Caller caller, @RequestBody NewCa body) {
        return created(cas.create(caller, body));
    }

    @PostMapping("/cas/import")
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<CertificateAuthority> importCa(Caller caller, @RequestBody ImportCa body) {
        return created(cas.importCa(caller, body.name(), body.certificatePem(),
                body.privateKeyPem()));
    }

    @PostMapping("/trust-anchors")
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<CertificateAuthority> trustAnchor(Caller caller, @RequestBody TrustAnchor body) {
        return created(cas.registerTrustAnchor(caller, body.name(), body.certificatePem()));
    }

    @GetMapping("/cas")
    Page<CertificateAuthority> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return cas.page(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/cas/{id}")
    CertificateAuthority get(Caller caller, @PathVariable UUID id) {
        return cas.get(caller.tenantId(), id);
    }

    @GetMapping("/policy")
    ResponseEntity<PkiPolicy> policy(Caller caller) {
        PkiPolicy p = policies.get(caller.tenantId());
        return ResponseEntity.ok().eTag(Etags.of(p.version())).body(p);
    }

    @PutMapping("/policy")
    @RequiresRole(Role.ADMIN)
    ResponseEntity<PkiPolicy> updatePolicy(Caller caller, @RequestBody PolicyBody body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        // Absent: unchanged (as default_ca_id), so clients that do not know the grace keep it as it is.
        PkiPolicy cur = policies.get(caller.tenantId());
        int grace = body.expiredRenewalGraceDays() != null ? body.expiredRenewalGraceDays()
                : cur.expiredRenewalGraceDays();
        boolean autoRotate = body.autoRotate() != null ? body.autoRotate() : cur.autoRotate();
        PkiPolicy p = policies.update(caller, new PkiPolicy(body.renewalWindowDays(),
                body.criticalWindowDays(), body.overlapHours(), body.deviceValidityDays(), body.defaultCaId(),
                grace, autoRotate, body.rotationKey(), 0),
                Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(p.version())).body(p);
    }

    private static ResponseEntity<CertificateAuthority> created(CertificateAuthority ca) {
        return ResponseEntity.created(URI.create("/api/v1/pki/cas/" + ca.id())).body(ca);
    }
}
