package io.fleetkeeper.pki;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One certificate slot of a device ({@code identity} or a named extra slot), in full.
 *
 * @param status               the slot's status from its primary: ACTIVE, RENEWAL_PENDING, EXPIRING_SOON, EXPIRED,
 *                             REVOKED, or NO_IDENTITY when it has no primary
 * @param activeVersion        the primary's version in the slot
 * @param primaryCertificateId the primary certificate
 * @param notAfter             the primary's expiry
 * @param windowState          where the primary stands against the policy's windows: ACTIVE (OK), RENEWAL_PENDING,
 *                             EXPIRING_SOON, EXPIRED
 * @param pendingSuccessorId   a successor issued by rotation, waiting for the device's confirmation
 * @param rotation             the slot's latest rotation, if it had one
 * @param versions             every certificate the slot held, newest version first
 */
public record IdentitySlot(String slot, String status, @Nullable Integer activeVersion,
        @Nullable UUID primaryCertificateId, @Nullable Instant notAfter, @Nullable String windowState,
        @Nullable UUID pendingSuccessorId, @Nullable Rotation rotation, List<DeviceCertificate> versions) {

    /**
     * The latest successor the registry issued for the slot.
     *
     * @param state REQUESTED (a server-key rotation: the successor is issued when delivered), PENDING_CONFIRMATION
     *              (delivered once {@code deliveredAt} is set), CONFIRMED, REJECTED, CANCELED, ROLLED_BACK
     */
    public record Rotation(String state, @Nullable UUID certificateId, @Nullable Integer version, Instant issuedAt,
            @Nullable Instant deliveredAt, @Nullable Instant confirmedAt) {
    }
}
