package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.DeviceCertificate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The rotation columns of {@code certificates}: a successor's {@code rotation_state}, {@code delivered_at} and
 * {@code confirmed_at}, and the {@code successor_id} of the certificate it replaces.
 */
@Repository
public class RotationRepository {

    public static final String PENDING = "PENDING_CONFIRMATION";

    private final JdbcClient jdbc;

    RotationRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A primary certificate the lifecycle worker should rotate. */
    public record Candidate(UUID tenantId, UUID deviceId, String slot, UUID certificateId) {
    }

    /**
     * Active primaries expiring before {@code before}, in their renewal or critical window, of tenants whose policy
     * rotates automatically, that have no successor yet (one automatic successor per primary, ever).
     */
    public List<Candidate> candidates(long before, int limit) {
        return jdbc.sql("""
                SELECT c.tenant_id, c.device_id, c.slot, c.id FROM certificates c
                  JOIN pki_policies p ON p.tenant_id = c.tenant_id
                WHERE c.not_after <= ? AND c.window_state IN ('RENEWAL_PENDING', 'EXPIRING_SOON')
                  AND c.status = 'ACTIVE' AND c.is_primary = ? AND c.successor_id IS NULL
                  AND c.rotation_requested_at IS NULL
                  AND c.device_id IS NOT NULL AND p.auto_rotate = ?
                ORDER BY c.not_after LIMIT ?""")
                .params(before, true, true, limit)
                .query((rs, n) -> new Candidate(UUID.fromString(rs.getString("tenant_id")),
                        UUID.fromString(rs.getString("device_id")), rs.getString("slot"),
                        UUID.fromString(rs.getString("id"))))
                .list();
    }

    /** The slot's successor waiting for the device's confirmation, if any (at most one). */
    public Optional<DeviceCertificate> pending(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ? AND slot = ?
                  AND rotation_state = ? AND status = 'ACTIVE' ORDER BY slot_version DESC LIMIT 1""")
                .params(tenantId.toString(), deviceId.toString(), slot, PENDING)
                .query(CertificateRepository::map).optional();
    }

    /** Every successor of the device waiting for confirmation, one per slot. */
    public List<DeviceCertificate> pendingOf(UUID tenantId, UUID deviceId) {
        return jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ? AND rotation_state = ?
                  AND status = 'ACTIVE' ORDER BY slot LIMIT 100""")
                .params(tenantId.toString(), deviceId.toString(), PENDING)
                .query(CertificateRepository::map).list();
    }

    /** A server-key rotation is requested for this primary; false when it was already. */
    public boolean request(UUID tenantId, UUID certificateId, long at) {
        return jdbc.sql("""
                UPDATE certificates SET rotation_requested_at = ?
                WHERE tenant_id = ? AND id = ? AND rotation_requested_at IS NULL""")
                .params(at, tenantId.toString(), certificateId.toString()).update() == 1;
    }

    /** The slot's primary has no server-key rotation requested any more (rejected, rolled back). */
    public void clearRequest(UUID tenantId, UUID deviceId, String slot) {
        jdbc.sql("""
                UPDATE certificates SET rotation_requested_at = NULL
                WHERE tenant_id = ? AND device_id = ? AND slot = ? AND is_primary = ?""")
                .params(tenantId.toString(), deviceId.toString(), slot, true).update();
    }

    public void setSuccessor(UUID tenantId, UUID certificateId, UUID successorId) {
        jdbc.sql("UPDATE certificates SET successor_id = ? WHERE tenant_id = ? AND id = ?")
                .params(successorId.toString(), tenantId.toString(), certificateId.toString()).update();
    }

    /** Records the first delivery; false when it was delivered before. */
    public boolean markDelivered(UUID tenantId, UUID certificateId, long at) {
        return jdbc.sql("""
                UPDATE certificates SET delivered_at = ? WHERE tenant_id = ? AND id = ? AND delivered_at IS NULL""")
                .params(at, tenantId.toString(), certificateId.toString()).update() == 1;
    }

    /** The pending successor becomes the slot's primary (CONFIRMED); false when it is not pending any more. */
    public boolean promote(UUID tenantId, UUID certificateId, long at, String windowState) {
        return jdbc.sql("""
                UPDATE certificates SET is_primary = ?, rotation_state = 'CONFIRMED', confirmed_at = ?,
                  window_state = ?
                WHERE tenant_id = ? AND id = ? AND rotation_state = ? AND status = 'ACTIVE'""")
                .params(true, at, windowState, tenantId.toString(), certificateId.toString(), PENDING).update() == 1;
    }

    /** A pending successor is out at once ({@code state}: REJECTED or CANCELED); false when it was not pending. */
    public boolean endPending(UUID tenantId, UUID certificateId, String state, long at) {
        return jdbc.sql("""
                UPDATE certificates SET rotation_state = ?, status = 'SUPERSEDED', superseded_at = ?
                WHERE tenant_id = ? AND id = ? AND rotation_state = ? AND status = 'ACTIVE'""")
                .params(state, at, tenantId.toString(), certificateId.toString(), PENDING).update() == 1;
    }

    /** Rollback, first half: the current primary is out at once (ROLLED_BACK, SUPERSEDED). */
    public boolean rollBack(UUID tenantId, UUID certificateId, long at) {
        return jdbc.sql("""
                UPDATE certificates SET is_primary = ?, rotation_state = 'ROLLED_BACK', status = 'SUPERSEDED',
                  superseded_at = ?
                WHERE tenant_id = ? AND id = ? AND is_primary = ? AND status = 'ACTIVE'""")
                .params(false, at, tenantId.toString(), certificateId.toString(), true).update() == 1;
    }

    /** Rollback, second half: a certificate inside its overlap is the slot's primary again, with no end. */
    public boolean restore(UUID tenantId, UUID certificateId, long now, String windowState) {
        return jdbc.sql("""
                UPDATE certificates SET is_primary = ?, superseded_at = NULL, window_state = ?,
                  rotation_requested_at = NULL
                WHERE tenant_id = ? AND id = ? AND is_primary = ? AND status = 'ACTIVE' AND superseded_at > ?""")
                .params(true, windowState, tenantId.toString(), certificateId.toString(), false, now).update() == 1;
    }
}
