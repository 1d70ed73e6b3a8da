package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.DeviceCertificate;
import io.fleetkeeper.pki.DeviceCertificateInTenant;
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

    CertificateRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, DeviceCertificate c, String publicKeySha256, String windowState) {
        jdbc.sql("""
                INSERT INTO certificates (tenant_id, id, device_id, ca_id, issuer, serial, fingerprint, subject,
                  public_key_sha256, pem, not_before, not_after, status, revoked_at, revocation_reason, slot,
                  slot_version, is_primary, superseded_at, window_state, origin, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, NULL, ?, ?, ?)""")
                .params(tenantId.toString(), c.id().toString(), str(c.deviceId()), str(c.caId()), c.issuer(),
                        c.serial(), c.fingerprint(), c.subject(), publicKeySha256, c.pem(),
                        c.notBefore().toEpochMilli(), c.notAfter().toEpochMilli(), c.status(), c.slot(),
                        c.slotVersion(), c.primary(), windowState, c.origin(), c.createdAt().toEpochMilli())
                .update();
    }

    public Optional<DeviceCertificate> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM certificates WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(CertificateRepository::map).optional();
    }

    public Optional<DeviceCertificate> findByFingerprint(String fingerprint) {
        return jdbc.sql("SELECT * FROM certificates WHERE fingerprint = ?").param(fingerprint)
                .query(CertificateRepository::map).optional();
    }

    /** Every recorded certificate with this fingerprint, one per tenant at most (the same certificate may be
     * bound in several tenants when it was uploaded to each). */
    public List<DeviceCertificateInTenant> allByFingerprint(String fingerprint) {
        return jdbc.sql("SELECT * FROM certificates WHERE fingerprint = ? LIMIT 16").param(fingerprint)
                .query((rs, n) -> new DeviceCertificateInTenant(UUID.fromString(rs.getString("tenant_id")),
                        map(rs, n))).list();
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

    public Optional<DeviceCertificate> primary(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("""
                SELECT * FROM certificates WHERE tenant_id = ? AND device_id = ? AND slot = ? AND is_primary = ?""")
                .params(tenantId.toString(), deviceId.toString(), slot, true).query(CertificateRepository::map)
                .optional();
    }

    public int nextSlotVersion(UUID tenantId, UUID deviceId, String slot) {
        return jdbc.sql("SELECT COALESCE(MAX(slot_version), 0) + 1 FROM certificates WHERE tenant_id = ? "
                + "AND device_id = ? AND slot = ?").params(tenantId.toString(), deviceId.toString(), slot)
                .query(Integer.class).single();
    }

    /** The slot's current primary stops being primary; it stays valid until {@code overlapUntil}. */
    public void demotePrimary(UUID tenantId, UUID deviceId, String slot, long overlapUntil) {
        jdbc.sql("""
                UPDATE certificates SET is_primary = ?, superseded_at = ?
                WHERE tenant_id = ? AND device_id = ? AND slot = ? AND is_primary = ?""")
                .params(false, overlapUntil, tenantId.toString(), deviceId.toString(), slot, true).update();
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
                SELECT tenant_id, id, device_id, slot, not_after, window_state FROM certificates
                WHERE not_after <= ? AND status = 'ACTIVE' AND is_primary = ? AND window_state <> 'EXPIRED'
                ORDER BY not_after LIMIT ?""")
                .params(before, true, limit)
                .query((rs, n) -> new Row(UUID.fromString(rs.getString("tenant_id")),
                        UUID.fromString(rs.getString("id")), uuid(rs.getString("device_id")), rs.getString("slot"),
                        Instant.ofEpochMilli(rs.getLong("not_after")), rs.getString("window_state")))
                .list();
    }

    /** What the lifecycle scheduler needs of a certificate. */
    public record Row(UUID tenantId, UUID id, UUID deviceId, String slot, Instant notAfter, String windowState) {
    }

    public void setWindowState(UUID tenantId, UUID id, String state) {
        jdbc.sql("UPDATE certificates SET window_state = ? WHERE tenant_id = ? AND id = ?")
                .params(state, tenantId.toString(), id.toString()).update();
    }

    /** Rotated-out certificates whose overlap has ended become SUPERSEDED; returns them. */
    public List<DeviceCertificate> endOverlaps(long now) {
        List<DeviceCertificate> ended = jdbc.sql("""
                SELECT * FROM certificates WHERE status = 'ACTIVE' AND is_primary = ? AND superseded_at <= ?
                LIMIT 1000""").params(false, now).query(CertificateRepository::map).list();
        for (DeviceCertificate c : ended) {
            jdbc.sql("UPDATE certificates SET status = 'SUPERSEDED' WHERE id = ? AND status = 'ACTIVE'")
                    .param(c.id().toString()).update();
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
                Times.instant(rs, "created_at"), rs.getString("pem"));
    }

    public static String hex(BigInteger serial) {
        return serial.toString(16);
    }

    private static UUID uuid(String s) {
        return s == null ? null : UUID.fromString(s);
    }

    private static String str(UUID id) {
        return id == null ? null : id.toString();
    }
}
