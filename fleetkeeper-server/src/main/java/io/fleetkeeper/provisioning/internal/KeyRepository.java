package io.fleetkeeper.provisioning.internal;

import io.fleetkeeper.provisioning.ClaimToken;
import io.fleetkeeper.provisioning.ProvisioningKey;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Provisioning keys and claim tokens, found by the SHA-256 of their secret. */
@Repository
public class KeyRepository {

    private static final TypeReference<LinkedHashMap<String, String>> META = new TypeReference<>() { };

    /** A key or token found by its secret's hash, with its tenant. */
    public record Found<T>(UUID tenantId, String hash, T value) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;

    KeyRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insertKey(UUID tenantId, ProvisioningKey k, String hash) {
        jdbc.sql("""
                INSERT INTO provisioning_keys (tenant_id, id, label, key_hash, prefix, device_type, expires_at,
                  max_devices, devices_count, revoked_at, created_by, created_at, template_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)""")
                .params(tenantId.toString(), k.id().toString(), k.label(), hash, k.prefix(), k.deviceType(),
                        Times.millis(k.expiresAt()), k.maxDevices(), k.createdBy(), k.createdAt().toEpochMilli(),
                        k.templateId() == null ? null : k.templateId().toString())
                .update();
    }

    public Optional<Found<ProvisioningKey>> keyByHash(String hash) {
        return jdbc.sql("SELECT * FROM provisioning_keys WHERE key_hash = ?").param(hash)
                .query((rs, n) -> new Found<>(UUID.fromString(rs.getString("tenant_id")), rs.getString("key_hash"),
                        key(rs)))
                .optional();
    }

    public Optional<ProvisioningKey> key(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM provisioning_keys WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query((rs, n) -> key(rs)).optional();
    }

    /** The tenant's provisioning keys with ids after {@code afterId}, in id (creation) order. */
    public List<ProvisioningKey> keys(UUID tenantId, UUID afterId, int fetch) {
        return jdbc.sql("SELECT * FROM provisioning_keys WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (afterId == null ? Ids.NIL : afterId).toString(), fetch)
                .query((rs, n) -> key(rs)).list();
    }

    /** Counts one more device on the key when it is still usable; false when it is not. */
    public boolean useKey(UUID tenantId, UUID id, long now) {
        return jdbc.sql("""
                UPDATE provisioning_keys SET devices_count = devices_count + 1
                WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                  AND (max_devices IS NULL OR devices_count < max_devices)""")
                .params(tenantId.toString(), id.toString(), now).update() == 1;
    }

    public void revokeKey(UUID tenantId, UUID id, long now) {
        jdbc.sql("UPDATE provisioning_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL")
                .params(now, tenantId.toString(), id.toString()).update();
    }

    public void insertToken(UUID tenantId, ClaimToken t, String hash) {
        jdbc.sql("""
                INSERT INTO claim_tokens (tenant_id, id, label, token_hash, prefix, device_type, default_metadata,
                  max_uses, uses_count, expires_at, revoked_at, created_by, created_at, template_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, ?, ?, ?)""")
                .params(tenantId.toString(), t.id().toString(), t.label(), hash, t.prefix(), t.deviceType(),
                        json.writeValueAsString(t.defaultMetadata()), t.maxUses(), t.expiresAt().toEpochMilli(),
                        t.createdBy(), t.createdAt().toEpochMilli(),
                        t.templateId() == null ? null : t.templateId().toString())
                .update();
    }

    public Optional<Found<ClaimToken>> tokenByHash(String hash) {
        return jdbc.sql("SELECT * FROM claim_tokens WHERE token_hash = ?").param(hash)
                .query((rs, n) -> new Found<>(UUID.fromString(rs.getString("tenant_id")),
                        rs.getString("token_hash"), token(rs)))
                .optional();
    }

    public Optional<ClaimToken> token(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM claim_tokens WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query((rs, n) -> token(rs)).optional();
    }

    /** The tenant's claim tokens with ids after {@code afterId}, in id (creation) order. */
    public List<ClaimToken> tokens(UUID tenantId, UUID afterId, int fetch) {
        return jdbc.sql("SELECT * FROM claim_tokens WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (afterId == null ? Ids.NIL : afterId).toString(), fetch)
                .query((rs, n) -> token(rs)).list();
    }

    /**
     * Takes one use of the token when it is still usable. The conditional update is atomic on both
     * stores, so concurrent claims never exceed {@code max_uses}.
     */
    public boolean useToken(UUID tenantId, UUID id, long now) {
        return jdbc.sql("""
                UPDATE claim_tokens SET uses_count = uses_count + 1
                WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL AND expires_at > ? AND uses_count < max_uses""")
                .params(tenantId.toString(), id.toString(), now).update() == 1;
    }

    public void revokeToken(UUID tenantId, UUID id, long now) {
        jdbc.sql("UPDATE claim_tokens SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL")
                .params(now, tenantId.toString(), id.toString()).update();
    }

    private static ProvisioningKey key(ResultSet rs) throws SQLException {
        long max = rs.getLong("max_devices");
        Integer maxDevices = rs.wasNull() ? null : (int) max;
        return new ProvisioningKey(UUID.fromString(rs.getString("id")), rs.getString("label"), rs.getString("prefix"),
                rs.getString("device_type"), Times.instant(rs, "expires_at"), maxDevices,
                rs.getLong("devices_count"), Times.instant(rs, "revoked_at"), rs.getString("created_by"),
                Times.instant(rs, "created_at"), uuid(rs, "template_id"));
    }

    private ClaimToken token(ResultSet rs) throws SQLException {
        Map<String, String> meta = json.readValue(rs.getString("default_metadata"), META);
        return new ClaimToken(UUID.fromString(rs.getString("id")), rs.getString("label"), rs.getString("prefix"),
                rs.getString("device_type"), meta, rs.getInt("max_uses"), rs.getInt("uses_count"),
                Times.instant(rs, "expires_at"), Times.instant(rs, "revoked_at"), rs.getString("created_by"),
                Times.instant(rs, "created_at"), uuid(rs, "template_id"));
    }

    private static UUID uuid(ResultSet rs, String column) throws SQLException {
        String s = rs.getString(column);
        return s == null ? null : UUID.fromString(s);
    }
}
