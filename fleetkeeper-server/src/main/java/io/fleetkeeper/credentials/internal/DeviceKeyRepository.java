package io.fleetkeeper.credentials.internal;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Device keys, stored as their SHA-256 only: one current key per device. */
@Repository
public class DeviceKeyRepository {

    /** A stored key: whose it is, and its hash as stored (for the constant-time comparison). */
    public record StoredKey(UUID tenantId, UUID deviceId, String hash) {
    }

    private final JdbcClient jdbc;

    DeviceKeyRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Sets the device's key, replacing any previous one. */
    public void put(UUID tenantId, UUID deviceId, String hash, String prefix, long now) {
        jdbc.sql("DELETE FROM device_credentials WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update();
        insert(tenantId, deviceId, hash, prefix, now);
    }

    /** Gives a device that has no key its first one; fails on the primary key when it has one. */
    public void insert(UUID tenantId, UUID deviceId, String hash, String prefix, long now) {
        jdbc.sql("INSERT INTO device_credentials (tenant_id, device_id, key_hash, prefix, created_at) "
                + "VALUES (?, ?, ?, ?, ?)").params(tenantId.toString(), deviceId.toString(), hash, prefix, now).update();
    }

    public Optional<StoredKey> byHash(String hash) {
        return jdbc.sql("SELECT tenant_id, device_id, key_hash FROM device_credentials WHERE key_hash = ?").param(hash)
                .query((rs, n) -> new StoredKey(UUID.fromString(rs.getString("tenant_id")),
                        UUID.fromString(rs.getString("device_id")), rs.getString("key_hash")))
                .optional();
    }

    public Optional<String> hashOf(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT key_hash FROM device_credentials WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).query(String.class).optional();
    }
}
