package io.fleetkeeper.pki.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code code_signing_keys} table (the server's code-signing keys, sealed, with their certificates) and
 * {@code code_signing_revocations} (the ones revoked, which sign nothing more and are listed on their CA's CRL).
 */
@Repository
public class CodeSigningRepository {

    /** A stored key: its certificate (PEM), the issuing CA and the sealed PKCS#8 private key. */
    public record Row(UUID id, UUID caId, String certificatePem, String sealedKey, long notAfter) {
    }

    /** A revoked key's certificate: its serial (lower-case hex), when and why. */
    public record Revoked(UUID keyId, String serial, Instant revokedAt, String reason) {
    }

    private static final String COLUMNS = "k.id, k.ca_id, k.certificate_pem, k.sealed_key, k.not_after";
    private static final String NOT_REVOKED = " AND NOT EXISTS (SELECT 1 FROM code_signing_revocations r"
            + " WHERE r.tenant_id = k.tenant_id AND r.key_id = k.id)";

    private final JdbcClient jdbc;

    CodeSigningRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The tenant's newest key, revoked or not. */
    public Optional<Row> newest(UUID tenantId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM code_signing_keys k WHERE k.tenant_id = ?"
                        + " ORDER BY k.created_at DESC, k.id DESC LIMIT 1")
                .param(tenantId.toString()).query(CodeSigningRepository::row).optional();
    }

    /** The tenant's newest key that is not revoked: the one that signs. */
    public Optional<Row> current(UUID tenantId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM code_signing_keys k WHERE k.tenant_id = ?" + NOT_REVOKED
                        + " ORDER BY k.created_at DESC, k.id DESC LIMIT 1")
                .param(tenantId.toString()).query(CodeSigningRepository::row).optional();
    }

    /** Every key of the tenant that is not revoked (the current one and older ones not yet expired). */
    public List<Row> unrevoked(UUID tenantId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM code_signing_keys k WHERE k.tenant_id = ?" + NOT_REVOKED
                        + " ORDER BY k.created_at, k.id")
                .param(tenantId.toString()).query(CodeSigningRepository::row).list();
    }

    /** The keys a CA issued for the tenant, oldest first. */
    public List<Row> issuedBy(UUID tenantId, UUID caId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM code_signing_keys k WHERE k.tenant_id = ? AND k.ca_id = ?"
                        + " ORDER BY k.created_at, k.id")
                .params(tenantId.toString(), caId.toString()).query(CodeSigningRepository::row).list();
    }

    public void insert(UUID tenantId, Row row, long now) {
        jdbc.sql("INSERT INTO code_signing_keys (tenant_id, id, ca_id, certificate_pem, sealed_key, not_after,"
                        + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), row.id().toString(), row.caId().toString(), row.certificatePem(),
                        row.sealedKey(), row.notAfter(), now).update();
    }

    /** Records the key revoked; false when it already was (revocation is final). */
    public boolean revoke(UUID tenantId, Row key, String serial, String reason, long at) {
        return jdbc.sql("INSERT INTO code_signing_revocations (tenant_id, key_id, ca_id, serial, reason, revoked_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, key_id) DO NOTHING")
                .params(tenantId.toString(), key.id().toString(), key.caId().toString(), serial, reason, at)
                .update() == 1;
    }

    public Optional<Revoked> revocation(UUID tenantId, UUID keyId) {
        return jdbc.sql("SELECT key_id, serial, revoked_at, reason FROM code_signing_revocations"
                        + " WHERE tenant_id = ? AND key_id = ?")
                .params(tenantId.toString(), keyId.toString()).query(CodeSigningRepository::revoked).optional();
    }

    /** The revoked code-signing certificates a CA issued, for its CRL. */
    public List<Revoked> revokedFor(UUID tenantId, UUID caId) {
        return jdbc.sql("SELECT key_id, serial, revoked_at, reason FROM code_signing_revocations"
                        + " WHERE tenant_id = ? AND ca_id = ? ORDER BY revoked_at, key_id")
                .params(tenantId.toString(), caId.toString()).query(CodeSigningRepository::revoked).list();
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        return new Row(UUID.fromString(rs.getString(1)), UUID.fromString(rs.getString(2)), rs.getString(3),
                rs.getString(4), rs.getLong(5));
    }

    private static Revoked revoked(ResultSet rs, int n) throws SQLException {
        return new Revoked(UUID.fromString(rs.getString(1)), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                rs.getString(4));
    }
}
