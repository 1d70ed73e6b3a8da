package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.TenantCertificate;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class CertificateRepository {

    private final JdbcClient jdbc;
    private final Dialect dialect;

    CertificateRepository(JdbcClient jdbc, Dialect dialect) {
        this.jdbc = jdbc;
        this.dialect = dialect;
    }

    public void insert(UUID tenantId, DeviceCertificate c, String publicKeySha256, String windowState) {
        jdbc.sql("""
                INSERT INTO certificates (tenant_id, id, device_id, ca_id, issuer, serial, fingerprint, subject,
                  public_key_sha256, pem, not_before, not_after, status, revoked_at, revocation_reason, slot,
                  slot_version, is_primary, superseded_at, window_state, origin, created_at, rotation_state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, NULL, ?, ?, ?, ?)""")
                .params(tenantId.toString(), c.id().toString(), str(c.deviceId()), str(c.caId()), c.issuer(),
                        c.serial(), c.fingerprint(), c.subject(), publicKeySha256, c.pem(),
                        c.notBefore().toEpochMilli(), c.notAfter().toEpochMilli(), c.status(), c.slot(),
                        c.slotVersion(), c.primary(), windowState, c.origin(), c.createdAt().toEpochMilli(), c.rotationState())
                .update();
    }

    public Optional<DeviceCertificate> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM certificates WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(CertificateRepository::map).optional();
    }

    /** Every recorded certificate with this fingerprint, one per tenant at most (the same certificate may be
     * bound in several tenants when it was uploaded to each). */
    public List<TenantCertificate> allByFingerprint(String fingerprint) {
        return jdbc.sql("SELECT * FROM certificates WHERE fingerprint = ? ORDER BY tenant_id LIMIT 16").param(fingerprint)
                .query((rs, n) -> new TenantCertificate(UUID.fromString(rs.getString("tenant_id")),
                        map(rs, n))).list();
    }

    /** Whether a certificate with this fingerprint is recorded in any tenant, in any status. */
    public boolean isRecorded(String fingerprint) {
        return jdbc.sql("SELECT COUNT(*) FROM certificates WHERE fingerprint = ?").param(fingerprint)
                .query(Long.class).single() > 0;
    }


    public Optional<DeviceCertificate> findBySerial(UUID tenantId, UUID caId, String serial) {
        return jdbc.sql("SELECT * FROM certificates WHERE tenant_id = ? AND ca_id = ? AND serial = ?")
                .params(tenantId.toString(), caId.toString(), serial).query(CertificateRepository::map).optional();
    }

    public List<DeviceCertificate> forDevice(UUID tenantId, UUID deviceId) {
        return jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ?
                ORDER BY slot, slot_version DESC LIMIT 1000""")
                .params(tenantId.toString(), deviceId.toString()).query(CertificateRepository::map).list();
    }

    /** The tenant's certificates with ids after {@code afterId}, in id (issue) order. */
    public List<DeviceCertificate> list(UUID tenantId, UUID afterId, int fetch) {
        return jdbc.sql("SELECT * FROM certificates WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (afterId == null ? Ids.NIL : afterId).toString(), fetch)
                .query(CertificateRepository::map).list();
    }

    /** The device's certificates with ids after {@code afterId}, in id (issue) order. */
    public List<DeviceCertificate> forDevice(UUID tenantId, UUID deviceId, UUID afterId, int fetch) {
        return jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ? AND id > ?
                ORDER BY id LIMIT ?""")
                .params(tenantId.toString(), deviceId.toString(), (afterId == null ? Ids.NIL : afterId).toString(),
                        fetch)
                .query(CertificateRepository::map).list();
    }

    public Optional<DeviceCertificate> primary(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ? AND slot = ? AND is_primary = ?""")
                .params(tenantId.toString(), deviceId.toString(), slot, true).query(CertificateRepository::map)
                .optional();
    }

    /**
     * Makes this transaction the only writer of the device's slot until it ends, so that the slot's version
     * sequence and its one primary certificate hold under concurrent issuers. SQLite has one writer transaction at
     * a time already; on PostgreSQL this takes a transaction-scoped advisory lock on the slot (a hash collision
     * only serialises two unrelated slots).
     */
    public void lockSlot(UUID tenantId, UUID deviceId, String slot) {
        if (dialect == Dialect.POSTGRESQL) {
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")
                    .param(tenantId + "/" + deviceId + "/" + slot).query().listOfRows();
        }
    }

    public int nextSlotVersion(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("SELECT COALESCE(MAX(slot_version), 0) + 1 FROM certificates WHERE tenant_id = ? "
                + "AND device_id = ? AND slot = ?").params(tenantId.toString(), deviceId.toString(), slot)
                .query(Integer.class).single();
    }

    /**
     * The slot's current primary stops being primary; it stays valid until {@code overlapUntil}. Returns the
     * certificates demoted (as they were).
     */
    public List<DeviceCertificate> demotePrimary(UUID tenantId, UUID deviceId, String slot, long overlapUntil) {
        List<DeviceCertificate> primaries = jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ? AND slot = ? AND is_primary = ?""")
                .params(tenantId.toString(), deviceId.toString(), slot, true).query(CertificateRepository::map).list();
        if (primaries.isEmpty()) {
            return primaries; // a first certificate: nothing to demote (the caller holds the slot's lock)
        }
        jdbc.sql("""
                UPDATE certificates SET is_primary = ?, superseded_at = ?
                WHERE tenant_id = ? AND device_id = ? AND slot = ? AND is_primary = ?""")
                .params(false, overlapUntil, tenantId.toString(), deviceId.toString(), slot, true).update();
        return primaries;
    }

    /**
     * Successors of the slot still waiting for confirmation are out at once (CANCELED, SUPERSEDED): another
     * certificate became the slot's primary. Returns them (as they were).
     */
    public List<DeviceCertificate> cancelPendingSuccessors(UUID tenantId, UUID deviceId, String slot, long now) {
        List<DeviceCertificate> pending = jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ? AND slot = ?
                  AND rotation_state = 'PENDING_CONFIRMATION'""")
                .params(tenantId.toString(), deviceId.toString(), slot).query(CertificateRepository::map).list();
        for (DeviceCertificate c : pending) {
            jdbc.sql("""
                    UPDATE certificates SET rotation_state = 'CANCELED', status = 'SUPERSEDED', superseded_at = ?
                    WHERE tenant_id = ? AND id = ? AND status = 'ACTIVE'""")
                    .params(now, tenantId.toString(), c.id().toString()).update();
        }
        return pending;
    }

    public boolean revoke(UUID tenantId, UUID id, long at, String reason) {
        return jdbc.sql("""
                UPDATE certificates SET status = 'REVOKED', revoked_at = ?, revocation_reason = ?
                WHERE tenant_id = ? AND id = ? AND status <> 'REVOKED'""")
                .params(at, reason, tenantId.toString(), id.toString()).update() == 1;
    }

    /** Revoked certificates of a CA that are not yet expired, for its CRL. */
    public List<DeviceCertificate> revokedFor(UUID tenantId, UUID caId) {
        return jdbc.sql("SELECT * FROM certificates WHERE tenant_id = ? AND ca_id = ? AND status = 'REVOKED'")
                .params(tenantId.toString(), caId.toString()).query(CertificateRepository::map).list();
    }

    /** Primary ACTIVE certificates expiring before {@code before} whose window state may have moved. */
    public List<Row> expiringPrimaries(long before, int limit) {
        return jdbc.sql("""
                SELECT tenant_id, id, device_id, slot, not_after, window_state, fingerprint FROM certificates
                WHERE not_after <= ? AND status = 'ACTIVE' AND is_primary = ? AND window_state <> 'EXPIRED'
                ORDER BY not_after LIMIT ?""")
                .params(before, true, limit)
                .query((rs, n) -> new Row(UUID.fromString(rs.getString("tenant_id")),
                        UUID.fromString(rs.getString("id")), uuid(rs.getString("device_id")), rs.getString("slot"),
                        Instant.ofEpochMilli(rs.getLong("not_after")), rs.getString("window_state"),
                        rs.getString("fingerprint")))
                .list();
    }

    /** What the lifecycle scheduler needs of a certificate. */
    public record Row(UUID tenantId, UUID id, UUID deviceId, String slot, Instant notAfter, String windowState,
            String fingerprint) {
    }

    public void setWindowState(UUID tenantId, UUID id, String state) {
        jdbc.sql("UPDATE certificates SET window_state = ? WHERE tenant_id = ? AND id = ?")
                .params(state, tenantId.toString(), id.toString()).update();
    }

    /** Rotated-out certificates whose overlap has ended become SUPERSEDED; returns them with their tenant. */
    public List<TenantCertificate> endOverlaps(long now) {
        List<TenantCertificate> ended = jdbc.sql("""
                SELECT * FROM certificates WHERE status = 'ACTIVE' AND is_primary = ? AND superseded_at <= ?
                LIMIT 1000""").params(false, now).query((rs, n) -> new TenantCertificate(
                        UUID.fromString(rs.getString("tenant_id")), map(rs, n))).list();
        for (TenantCertificate c : ended) {
            jdbc.sql("UPDATE certificates SET status = 'SUPERSEDED' WHERE tenant_id = ? AND id = ? AND status = 'ACTIVE'")
                    .params(c.tenantId().toString(), c.certificate().id().toString()).update();
        }
        return ended;
    }

    static DeviceCertificate map(ResultSet rs, int n) throws SQLException {
        return new DeviceCertificate(UUID.fromString(rs.getString("id")), uuid(rs.getString("device_id")),
                uuid(rs.getString("ca_id")), rs.getString("issuer"), rs.getString("serial"),
                rs.getString("fingerprint"), rs.getString("subject"), Times.instant(rs, "not_before"),
                Times.instant(rs, "not_after"), rs.getString("status"), Times.instant(rs, "revoked_at"),
                rs.getString("revocation_reason"), rs.getString("slot"), rs.getInt("slot_version"),
                rs.getBoolean("is_primary"), Times.instant(rs, "superseded_at"), rs.getString("origin"),
                Times.instant(rs, "created_at"), rs.getString("pem"), rs.getString("rotation_state"),
                uuid(rs.getString("successor_id")), Times.instant(rs, "delivered_at"), Times.instant(rs, "confirmed_at"),
                Times.instant(rs, "rotation_requested_at"));
    }

    public static String hex(BigInteger serial) {
        return serial.toString(16);
    }

    static UUID uuid(String s) {
        return s == null ? null : UUID.fromString(s);
    }

    private static String str(UUID id) {
        return id == null ? null : id.toString();
    }
}
