package io.fleetkeeper.pki.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.pki.CertificateProfile;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.IssueOptions;
import io.fleetkeeper.pki.IdentitySlot;
import io.fleetkeeper.pki.RotationService;
import io.fleetkeeper.pki.SlotService;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.RequestHeader;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Limits;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.util.List;
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

    private final CertificateService certs;
    private final SlotService slots;
    private final RotationService rotations;
    private final Limits limits;

    CertificateController(CertificateService certs, SlotService slots, RotationService rotations, Limits limits) {
        this.certs = certs;
        this.slots = slots;
        this.rotations = rotations;
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
    Page<IdentitySlot> slots(Caller caller, @PathVariable UUID id) {
        return new Page<>(slots.slots(caller.tenantId(), id), null);
    }

    /** One slot in full; its ETag is its active version (the If-Match of a rollback). */
    @GetMapping("/devices/{id}/slots/{slot}")
    ResponseEntity<IdentitySlot> slot(Caller caller, @PathVariable UUID id, @PathVariable String slot) {
        IdentitySlot s = slots.slot(caller.tenantId(), id, slot);
        var ok = ResponseEntity.ok();
        if (s.activeVersion() != null) {
            ok.eTag(Etags.of(s.activeVersion()));
        }
        return ok.body(s);
    }

    /**
     * Makes the slot's previous version primary again while it is inside its overlap (409 ROLLBACK_NOT_POSSIBLE
     * otherwise); the current primary is out at once. Answers the slot as it is now.
     */
    @PostMapping("/devices/{id}/slots/{slot}/rollback")
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<IdentitySlot> rollback(Caller caller, @PathVariable UUID id, @PathVariable String slot,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Long expected = Etags.expectedVersion(ifMatch);
        slots.rollback(caller, id, slot, expected == null ? null : expected.intValue());
        return slot(caller, id, slot);
    }

    /** Issues a successor for the slot's primary (same key), delivered to the device, primary once it confirms. */
    @PostMapping("/devices/{id}/slots/{slot}/rotate")
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<IdentitySlot> rotate(Caller caller, @PathVariable UUID id, @PathVariable String slot) {
        rotations.start(caller, id, slot);
        return slot(caller, id, slot);
    }

    /** The tenant's certificates, every device, in the order they were issued or uploaded. */
    @GetMapping("/certificates")
    Page<DeviceCertificate> all(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return certs.list(caller.tenantId(), cursor, limits.pageSize(limit));
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
