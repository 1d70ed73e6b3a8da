package io.fleetkeeper.tenancy.internal;

import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.ApiToken;
import io.fleetkeeper.tenancy.Role;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class TokenRepository {

    /** What authentication needs about a token, found by the hash of its secret. */
    public record TokenGrant(UUID id, UUID tenantId, Role role, String tokenHash, Long expiresAt, Long revokedAt,
            String tenantStatus) {
    }

    private final JdbcClient jdbc;

    TokenRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, ApiToken t, String hash) {
        jdbc.sql("""
                INSERT INTO api_tokens (id, tenant_id, name, role, token_hash, prefix, created_by, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(t.id().toString(), tenantId == null ? null : tenantId.toString(), t.name(), t.role().name(),
                        hash, t.prefix(), t.createdBy(), Times.millis(t.createdAt()), Times.millis(t.expiresAt()))
                .update();
    }

    public Optional<TokenGrant> findByHash(String hash) {
        return jdbc.sql("""
                SELECT t.id, t.tenant_id, t.role, t.token_hash, t.expires_at, t.revoked_at, n.status AS tenant_status
                FROM api_tokens t LEFT JOIN tenants n ON n.id = t.tenant_id
                WHERE t.token_hash = ?""")
                .param(hash)
                .query((rs, i) -> new TokenGrant(UUID.fromString(rs.getString("id")), uuid(rs, "tenant_id"),
                        Role.valueOf(rs.getString("role")), rs.getString("token_hash"),
                        Times.nullableLong(rs, "expires_at"), Times.nullableLong(rs, "revoked_at"),
                        rs.getString("tenant_status")))
                .optional();
    }

    /** The tenant's tokens (platform tokens when {@code tenantId} is null) with ids after {@code afterId}. */
    public List<ApiToken> list(UUID tenantId, UUID afterId, int fetch) {
        String where = tenantId == null ? "tenant_id IS NULL" : "tenant_id = ?";
        var spec = jdbc.sql("SELECT * FROM api_tokens WHERE " + where + " AND id > ? ORDER BY id LIMIT ?");
        if (tenantId != null) {
            spec = spec.param(tenantId.toString());
        }
        return spec.param((afterId == null ? Ids.NIL : afterId).toString()).param(fetch)
                .query(TokenRepository::map).list();
    }

    public Optional<ApiToken> find(UUID tenantId, UUID id) {
        String where = tenantId == null ? "tenant_id IS NULL" : "tenant_id = ?";
        var spec = jdbc.sql("SELECT * FROM api_tokens WHERE id = ? AND " + where).param(id.toString());
        if (tenantId != null) {
            spec = spec.param(tenantId.toString());
        }
        return spec.query(TokenRepository::map).optional();
    }

    public void revoke(UUID id, long now) {
        jdbc.sql("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .params(now, id.toString()).update();
    }

    public long countPlatformTokens() {
        return jdbc.sql("SELECT COUNT(*) FROM api_tokens WHERE tenant_id IS NULL").query(Long.class).single();
    }

    public void touch(Map<UUID, Long> lastUsed) {
        lastUsed.forEach((id, at) -> jdbc.sql(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")
                .params(at, id.toString(), at).update());
    }

    private static ApiToken map(ResultSet rs, int n) throws SQLException {
        return new ApiToken(UUID.fromString(rs.getString("id")), rs.getString("name"),
                Role.valueOf(rs.getString("role")), rs.getString("prefix"), rs.getString("created_by"),
                Times.instant(rs, "created_at"), Times.instant(rs, "expires_at"), Times.instant(rs, "revoked_at"),
                Times.instant(rs, "last_used_at"));
    }

    private static UUID uuid(ResultSet rs, String col) throws SQLException {
        String v = rs.getString(col);
        return v == null ? null : UUID.fromString(v);
    }
}
