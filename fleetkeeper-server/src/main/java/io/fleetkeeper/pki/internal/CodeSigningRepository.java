package io.fleetkeeper.pki.internal;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code code_signing_keys} table: the server's code-signing keys, sealed, with their certificates. */
@Repository
public class CodeSigningRepository {

    /** A stored key: its certificate (PEM), the issuing CA and the sealed PKCS#8 private key. */
    public record Row(UUID id, UUID caId, String certificatePem, String sealedKey, long notAfter) {
    }

    private final JdbcClient jdbc;

    CodeSigningRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The tenant's newest key. */
    public Optional<Row> newest(UUID tenantId) {
        return jdbc.sql("SELECT id, ca_id, certificate_pem, sealed_key, not_after FROM code_signing_keys"
                        + " WHERE tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT 1")
                .param(tenantId.toString())
                .query((rs, n) -> new Row(UUID.fromString(rs.getString(1)), UUID.fromString(rs.getString(2)),
                        rs.getString(3), rs.getString(4), rs.getLong(5)))
                .optional();
    }

    public void insert(UUID tenantId, Row row, long now) {
        jdbc.sql("INSERT INTO code_signing_keys (tenant_id, id, ca_id, certificate_pem, sealed_key, not_after,"
                        + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), row.id().toString(), row.caId().toString(), row.certificatePem(),
                        row.sealedKey(), row.notAfter(), now).update();
    }
}
