package io.fleetkeeper.console.internal;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code console_sessions} table: one row per signed-in browser, keyed by the hash of its cookie's id. */
@Repository
class SessionRepository {

    /** A stored session, as the table holds it. */
    record Row(String idHash, String kind, String tokenSealed, UUID tenantId, String actor, String role,
            long createdAt, long lastUsedAt, long expiresAt) {
    }

    private final JdbcClient jdbc;

    SessionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Row r) {
        jdbc.sql("""
                INSERT INTO console_sessions (id_hash, kind, token_sealed, tenant_id, actor, role, created_at,
                    last_used_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(r.idHash(), r.kind(), r.tokenSealed(), r.tenantId() == null ? null : r.tenantId().toString(),
                        r.actor(), r.role(), r.createdAt(), r.lastUsedAt(), r.expiresAt())
                .update();
    }

    Optional<Row> find(String idHash) {
        return jdbc.sql("SELECT * FROM console_sessions WHERE id_hash = ?").param(idHash)
                .query((rs, i) -> {
                    String tenant = rs.getString("tenant_id");
                    return new Row(rs.getString("id_hash"), rs.getString("kind"), rs.getString("token_sealed"),
                            tenant == null ? null : UUID.fromString(tenant), rs.getString("actor"),
                            rs.getString("role"), rs.getLong("created_at"), rs.getLong("last_used_at"),
                            rs.getLong("expires_at"));
                })
                .optional();
    }

    void touch(String idHash, long now) {
        jdbc.sql("UPDATE console_sessions SET last_used_at = ? WHERE id_hash = ? AND last_used_at < ?")
                .params(now, idHash, now).update();
    }

    void delete(String idHash) {
        jdbc.sql("DELETE FROM console_sessions WHERE id_hash = ?").param(idHash).update();
    }

    /** Deletes the sessions past their absolute expiry or idle since before {@code idleBefore}. */
    int deleteExpired(long now, long idleBefore) {
        return jdbc.sql("DELETE FROM console_sessions WHERE expires_at <= ? OR last_used_at < ?")
                .params(now, idleBefore).update();
    }
}
