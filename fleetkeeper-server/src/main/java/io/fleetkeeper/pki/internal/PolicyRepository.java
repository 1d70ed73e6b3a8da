package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.PkiPolicy;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Per-tenant PKI policy; a tenant without a row uses {@link PkiPolicy#DEFAULTS}. */
@Repository
public class PolicyRepository {

    private final JdbcClient jdbc;

    PolicyRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public PkiPolicy get(UUID tenantId) {
        return jdbc.sql("SELECT * FROM pki_policies WHERE tenant_id = ?").param(tenantId.toString())
                .query((rs, n) -> {
                    String ca = rs.getString("default_ca_id");
                    return new PkiPolicy(rs.getInt("renewal_window_days"), rs.getInt("critical_window_days"),
                            rs.getInt("overlap_hours"), rs.getInt("device_validity_days"),
                            ca == null ? null : UUID.fromString(ca), rs.getInt("expired_renewal_grace_days"),
                            rs.getBoolean("auto_rotate"), rs.getString("rotation_key"), rs.getLong("version"));
                })
                .optional().orElse(PkiPolicy.DEFAULTS);
    }

    public void put(UUID tenantId, PkiPolicy p) {
        jdbc.sql("""
                INSERT INTO pki_policies (tenant_id, renewal_window_days, critical_window_days, overlap_hours,
                  default_ca_id, device_validity_days, expired_renewal_grace_days, auto_rotate, rotation_key,
                  version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id) DO UPDATE SET renewal_window_days = excluded.renewal_window_days,
                  critical_window_days = excluded.critical_window_days, overlap_hours = excluded.overlap_hours,
                  default_ca_id = excluded.default_ca_id, device_validity_days = excluded.device_validity_days,
                  expired_renewal_grace_days = excluded.expired_renewal_grace_days, auto_rotate = excluded.auto_rotate,
                  rotation_key = excluded.rotation_key, version = excluded.version""")
                .params(tenantId.toString(), p.renewalWindowDays(), p.criticalWindowDays(), p.overlapHours(),
                        p.defaultCaId() == null ? null : p.defaultCaId().toString(), p.deviceValidityDays(),
                        p.expiredRenewalGraceDays(), p.autoRotate(), p.rotationKey(), p.version())
                .update();
    }
}
