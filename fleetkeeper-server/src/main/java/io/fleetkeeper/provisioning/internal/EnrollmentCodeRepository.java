package io.fleetkeeper.provisioning.internal;

import io.fleetkeeper.provisioning.EnrollmentCode;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Enrollment codes, one per device, found by the SHA-256 of their secret. */
@Repository
public class EnrollmentCodeRepository {

    private final JdbcClient jdbc;

    EnrollmentCodeRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores the device's code, replacing the one it had. */
    public void put(UUID tenantId, EnrollmentCode c, String hash) {
        jdbc.sql("""
                INSERT INTO enrollment_codes (tenant_id, device_id, id, code_hash, prefix, expires_at, used_at,
                  created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)
                ON CONFLICT (tenant_id, device_id) DO UPDATE SET id = excluded.id, code_hash = excluded.code_hash,
                  prefix = excluded.prefix, expires_at = excluded.expires_at, used_at = NULL,
                  created_by = excluded.created_by, created_at = excluded.created_at""")
                .params(tenantId.toString(), c.deviceId().toString(), c.id().toString(), hash, c.prefix(),
                        c.expiresAt().toEpochMilli(), c.createdBy(), c.createdAt().toEpochMilli())
                .update();
    }

    public Optional<KeyRepository.Found<EnrollmentCode>> byHash(String hash) {
        return jdbc.sql("SELECT * FROM enrollment_codes WHERE code_hash = ?").param(hash)
                .query((rs, n) -> new KeyRepository.Found<>(UUID.fromString(rs.getString("tenant_id")),
                        rs.getString("code_hash"), code(rs)))
                .optional();
    }

    /**
     * Uses the code when it is still unused and unexpired; false when it is not. The conditional update is
     * atomic on both stores, so of two concurrent enrollments with one code, one wins.
     */
    public boolean use(UUID tenantId, UUID deviceId, UUID id, long now) {
        return jdbc.sql("""
                UPDATE enrollment_codes SET used_at = ?
                WHERE tenant_id = ? AND device_id = ? AND id = ? AND used_at IS NULL AND expires_at > ?""")
                .params(now, tenantId.toString(), deviceId.toString(), id.toString(), now).update() == 1;
    }

    public void delete(UUID tenantId, UUID deviceId) {
        jdbc.sql("DELETE FROM enrollment_codes WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update();
    }

    private static EnrollmentCode code(ResultSet rs) throws SQLException {
        return new EnrollmentCode(UUID.fromString(rs.getString("id")), UUID.fromString(rs.getString("device_id")),
                rs.getString("prefix"), Times.instant(rs, "expires_at"), Times.instant(rs, "used_at"),
                rs.getString("created_by"), Times.instant(rs, "created_at"));
    }
}
