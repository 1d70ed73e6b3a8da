package io.fleetkeeper.pki;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A certificate bound to a device, in one of its slots ({@code identity} or a named extra slot), with
 * its version in the slot. {@code status}: ACTIVE, SUPERSEDED (rotated out, overlap over) or REVOKED.
 * A successor the registry issued by rotation has a {@code rotationState} ({@link RotationService#PENDING} until
 * the device confirms it, then CONFIRMED; or REJECTED, CANCELED, ROLLED_BACK); the certificate it replaces names
 * it in {@code successorId}. {@code rotationRequestedAt}: a rotation with a server-generated key was requested for
 * this primary; its successor is issued when it is delivered.
 */
public record DeviceCertificate(UUID id, UUID deviceId, @Nullable UUID caId, String issuer, String serial,
        String fingerprint, String subject, Instant notBefore, Instant notAfter, String status,
        @Nullable Instant revokedAt, @Nullable String revocationReason, String slot, int slotVersion, boolean primary,
        @Nullable Instant supersededAt,
        String origin, Instant createdAt, String pem, @Nullable String rotationState, @Nullable UUID successorId,
        @Nullable Instant deliveredAt, @Nullable Instant confirmedAt, @Nullable Instant rotationRequestedAt) {

    /**
     * Whether this certificate may authenticate at {@code now}: ACTIVE, inside its validity, and not past
     * the end of a rotation overlap.
     */
    /** The certificate's {@link CertificateProfile}, read from its extended key usage. */
    @JsonProperty("profile")
    public CertificateProfile profile() {
        return CertificateProfile.of(Pem.stored(pem));
    }

    public boolean usableAt(Instant now) {
        return status.equals("ACTIVE") && !now.isBefore(notBefore) && now.isBefore(notAfter)
                && (supersededAt == null || now.isBefore(supersededAt));
    }
}
