package io.fleetkeeper.pki.internal;

import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class CaRepository {

    /** A stored CA row, including the sealed key (never leaves the pki package). */
    public record CaRow(UUID tenantId, UUID id, String name, String kind, UUID parentId, String subject,
            String keyAlgorithm, String certificatePem, String encryptedKey, String fingerprint, Instant notBefore,
            Instant notAfter, String status, long crlNumber) {
    }

    private final JdbcClient jdbc;

    CaRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(CaRow r, long now) {
        jdbc.sql("""
                INSERT INTO certificate_authorities (tenant_id, id, name, kind, parent_id, subject, key_algorithm,
                  certificate_pem, encrypted_key, fingerprint, not_before, not_after, status, crl_number, created_at,
                  version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 1)""")
                .params(r.tenantId().toString(), r.id().toString(), r.name(), r.kind(),
                        r.parentId() == null ? null : r.parentId().toString(), r.subject(), r.keyAlgorithm(),
                        r.certificatePem(), r.encryptedKey(), r.fingerprint(), r.notBefore().toEpochMilli(),
                        r.notAfter().toEpochMilli(), r.status(), now)
                .update();
    }

    public Optional<CaRow> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM certificate_authorities WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(CaRepository::map).optional();
    }

    public boolean nameTaken(UUID tenantId, String name) {
        return jdbc.sql("SELECT COUNT(*) FROM certificate_authorities WHERE tenant_id = ? AND name = ?")
                .params(tenantId.toString(), name).query(Long.class).single() > 0;
    }

    public List<CaRow> list(UUID tenantId) {
        return jdbc.sql("SELECT * FROM certificate_authorities WHERE tenant_id = ? ORDER BY created_at, id LIMIT 1000")
                .param(tenantId.toString()).query(CaRepository::map).list();
    }

    /** The tenant's CAs and trust anchors with ids after {@code afterId}, in id (creation) order. */
    public List<CaRow> page(UUID tenantId, UUID afterId, int fetch) {
        return jdbc.sql("SELECT * FROM certificate_authorities WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (afterId == null ? Ids.NIL : afterId).toString(), fetch)
                .query(CaRepository::map).list();
    }

    /** Every CA of every tenant: the in-memory trust index is built from it. */
    public List<CaRow> all() {
        return jdbc.sql("SELECT * FROM certificate_authorities WHERE status = 'ACTIVE'").query(CaRepository::map)
                .list();
    }

    /** Takes the next CRL number; the row lock orders concurrent CRL builders. */
    public long nextCrlNumber(UUID tenantId, UUID id) {
        jdbc.sql("UPDATE certificate_authorities SET crl_number = crl_number + 1 WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).update();
        return jdbc.sql("SELECT crl_number FROM certificate_authorities WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(Long.class).single();
    }

    private static CaRow map(ResultSet rs, int n) throws SQLException {
        String parent = rs.getString("parent_id");
        return new CaRow(UUID.fromString(rs.getString("tenant_id")), UUID.fromString(rs.getString("id")),
                rs.getString("name"), rs.getString("kind"), parent == null ? null : UUID.fromString(parent),
                rs.getString("subject"), rs.getString("key_algorithm"), rs.getString("certificate_pem"),
                rs.getString("encrypted_key"), rs.getString("fingerprint"), Times.instant(rs, "not_before"),
                Times.instant(rs, "not_after"), rs.getString("status"), rs.getLong("crl_number"));
    }
}
