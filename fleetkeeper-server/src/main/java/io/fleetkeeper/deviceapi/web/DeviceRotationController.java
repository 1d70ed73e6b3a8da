package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.pki.RotationService;
import io.fleetkeeper.pki.RotationDelivery;
import io.fleetkeeper.pki.RotationDelivery.Delivery;
import jakarta.annotation.Nullable;
import io.fleetkeeper.store.Ids;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /device/v1/certificates/rotation}: the successor the registry issued for the slot of the certificate the
 * device presented, and the device's answer to it. Authenticating with the successor confirms it as well.
 */
@RestController
class DeviceRotationController {

    /** A successor waiting for the device's confirmation, with the chain to install (leaf first). */
    record PendingSuccessor(UUID certificateId, String slot, String certificatePem, String chainPem, Instant notAfter,
            @Nullable String privateKeyPem) {

        @Override
        public String toString() {
            return "PendingSuccessor[certificateId=" + certificateId + "]";
        }
    }

    record Answer(String certificateId, String reason) {
    }

    /** The successor after the answer: primary once accepted. */
    record Answered(UUID certificateId, String slot, int slotVersion, boolean primary, String status,
            String rotationState, Instant notAfter) {
        static Answered of(DeviceCertificate c) {
            return new Answered(c.id(), c.slot(), c.slotVersion(), c.primary(), c.status(), c.rotationState(),
                    c.notAfter());
        }
    }

    private final RotationService rotations;
    private final RotationDelivery delivery;

    DeviceRotationController(RotationService rotations, RotationDelivery delivery) {
        this.rotations = rotations;
        this.delivery = delivery;
    }

    /**
     * 200 with the successor (recorded as delivered; with {@code private_key_pem} when the server generates the key:
     * then each call issues a new successor for a new key), or 204 when none is waiting.
     */
    @GetMapping("/device/v1/certificates/rotation")
    @ApiResponse(responseCode = "200", description = "A successor is waiting", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "204", description = "No successor is waiting", content = @Content)
    ResponseEntity<PendingSuccessor> pending(AuthenticatedDevice device) {
        Delivery d = delivery.deliver(device.tenantId(), device.deviceId(), device.slot(), "https").orElse(null);
        if (d == null) {
            return ResponseEntity.noContent().build();
        }
        DeviceCertificate c = d.certificate();
        return ResponseEntity.ok().cacheControl(CacheControl.noStore())
                .body(new PendingSuccessor(c.id(), c.slot(), c.pem(), Pem.chain(d.chain()), c.notAfter(),
                        d.privateKey() == null ? null : Pem.pkcs8(d.privateKey())));
    }

    /** The device installed the successor: it becomes the slot's primary; the old one lasts for the overlap. */
    @PostMapping("/device/v1/certificates/rotation/accept")
    Answered accept(AuthenticatedDevice device, @RequestBody Answer body) {
        return Answered.of(rotations.confirm(device.tenantId(), device.deviceId(), id(body),
                RotationService.BY_ACKNOWLEDGEMENT));
    }

    /** The device cannot use the successor: it is withdrawn, the current primary stays. */
    @PostMapping("/device/v1/certificates/rotation/reject")
    Answered reject(AuthenticatedDevice device, @RequestBody Answer body) {
        return Answered.of(rotations.reject(device.tenantId(), device.deviceId(), id(body), body.reason()));
    }

    private static UUID id(Answer body) {
        UUID id = body == null ? null : Ids.parseOrNull(body.certificateId());
        if (id == null) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "certificate_id is required",
                    List.of(new ApiException.FieldError("certificate_id", "must be the successor's id (UUID)")));
        }
        return id;
    }
}
