package io.fleetkeeper.pki.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.pki.CertificateProfile;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.IssueOptions;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Limits;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
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

/** Device certificates through the management API. */
@RestController
@RequestMapping("/api/v1")
class CertificateController {

    /**
     * {@code profile}: {@code client} (the default), {@code tls-server} or {@code code-signing}; {@code dns_names}
     * and {@code ip_addresses} for {@code tls-server} only.
     */
    record IssueRequest(String csr, @Nullable String slot, @Nullable UUID caId, @Nullable String profile,
            @Nullable List<String> dnsNames, @Nullable List<String> ipAddresses) {
    }

    record UploadRequest(String certificatePem, String slot) {
    }

    record RevokeRequest(String reason) {
    }

    /** The issued certificate's record, its PEM and the chain to install (leaf first). */
    record IssuedView(DeviceCertificate certificate, String certificatePem, String chainPem) {
        static IssuedView of(Issued i) {
            return new IssuedView(i.certificate(), i.certificate().pem(), Pem.chain(i.chain()));
        }
    }

    /** One slot: its active version and every version it held. */
    record SlotView(String slot, @Nullable Integer activeVersion, List<DeviceCertificate> versions) {
    }

    private final CertificateService certs;
    private final Limits limits;

    CertificateController(CertificateService certs, Limits limits) {
        this.certs = certs;
        this.limits = limits;
    }

    @PostMapping("/devices/{id}/certificates")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<IssuedView> issue(Caller caller, @PathVariable UUID id, @RequestBody IssueRequest body) {
        if (body.csr() == null || body.csr().isBlank()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "csr is required",
                    List.of(new ApiException.FieldError("csr", "is required (PEM PKCS#10)")));
        }
        CertificateProfile profile = body.profile() == null ? CertificateProfile.CLIENT
                : CertificateProfile.ofWire(body.profile());
        if (profile == null) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "unknown certificate profile",
                    List.of(new ApiException.FieldError("profile", "must be client, tls-server or code-signing")));
        }
        Issued issued = certs.issue(caller, id, Pem.csr(body.csr(), "csr"), body.slot(), body.caId(),
                new IssueOptions(profile, body.dnsNames(), body.ipAddresses()));
        return ResponseEntity.created(URI.create("/api/v1/certificates/" + issued.certificate().id()))
                .body(IssuedView.of(issued));
    }

    @PostMapping("/devices/{id}/certificates/upload")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<DeviceCertificate> upload(Caller caller, @PathVariable UUID id, @RequestBody UploadRequest body) {
        DeviceCertificate c = certs.upload(caller, id, body.certificatePem(), body.slot());
        return ResponseEntity.created(URI.create("/api/v1/certificates/" + c.id())).body(c);
    }

    @GetMapping("/devices/{id}/certificates")
    Page<DeviceCertificate> list(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return certs.forDevice(caller.tenantId(), id, cursor, limits.pageSize(limit));
    }

    /** Slots are few (identity plus named extras), so this listing is one page, never a cursor. */
    @GetMapping("/devices/{id}/slots")
    Page<SlotView> slots(Caller caller, @PathVariable UUID id) {
        Map<String, List<DeviceCertificate>> bySlot = new LinkedHashMap<>();
        for (DeviceCertificate c : certs.forDevice(caller.tenantId(), id)) {
            bySlot.computeIfAbsent(c.slot(), k -> new java.util.ArrayList<>()).add(c);
        }
        return new Page<>(bySlot.entrySet().stream().map(e -> new SlotView(e.getKey(), e.getValue().stream()
                .filter(DeviceCertificate::primary).map(DeviceCertificate::slotVersion).findFirst().orElse(null),
                e.getValue())).toList(), null);
    }

    @GetMapping("/certificates/{id}")
    DeviceCertificate get(Caller caller, @PathVariable UUID id) {
        return certs.get(caller.tenantId(), id);
    }

    @PostMapping("/certificates/{id}/revoke")
    DeviceCertificate revoke(Caller caller, @PathVariable UUID id, @RequestBody(required = false) RevokeRequest body) {
        return certs.revoke(caller, id, body == null ? null : body.reason());
    }

    @PostMapping("/certificates/{id}/renew")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<IssuedView> renew(Caller caller, @PathVariable UUID id) {
        Issued issued = certs.renew(caller, id);
        return ResponseEntity.created(URI.create("/api/v1/certificates/" + issued.certificate().id()))
                .body(IssuedView.of(issued));
    }
}
