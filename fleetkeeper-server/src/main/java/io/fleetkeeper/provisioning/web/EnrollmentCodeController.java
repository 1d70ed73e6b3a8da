package io.fleetkeeper.provisioning.web;

import io.fleetkeeper.provisioning.EnrollmentCode;
import io.fleetkeeper.provisioning.EnrollmentService;
import io.fleetkeeper.tenancy.Caller;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** One-time enrollment codes for devices registered without an identity. */
@RestController
@RequestMapping("/api/v1/devices/{id}/enrollment-credential")
class EnrollmentCodeController {

    record NewCode(@Nullable Instant expiresAt) {
    }

    record IssuedCode(UUID id, UUID deviceId, String prefix, Instant expiresAt, Instant createdAt,
            String enrollmentCode) {
        static IssuedCode of(EnrollmentCode.Issued i) {
            EnrollmentCode c = i.code();
            return new IssuedCode(c.id(), c.deviceId(), c.prefix(), c.expiresAt(), c.createdAt(), i.secret());
        }
    }

    private final EnrollmentService enrollment;

    EnrollmentCodeController(EnrollmentService enrollment) {
        this.enrollment = enrollment;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    IssuedCode issue(Caller caller, @PathVariable UUID id, @RequestBody(required = false) NewCode body) {
        return IssuedCode.of(enrollment.issue(caller, id, body == null ? null : body.expiresAt()));
    }
}
