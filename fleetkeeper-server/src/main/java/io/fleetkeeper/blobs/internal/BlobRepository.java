package io.fleetkeeper.blobs.internal;

import io.fleetkeeper.blobs.Blob;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code blobs} table (one row per tenant and SHA-256, with a reference count) and {@code blob_usage}
 * (each tenant's distinct bytes, maintained in the writing transaction and checked against the quota there).
 */
@Repository
public class BlobRepository {

    private final JdbcClient jdbc;

    BlobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Adds a reference; true when the row is new (its bytes must then be counted). */
    public boolean reference(UUID tenantId, Blob b, long now) {
        int inserted = jdbc.sql("""
                INSERT INTO blobs (tenant_id, sha256, sha1, md5, size, refs, created_at)
                VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING""")
                .params(tenantId.toString(), b.sha256(), b.sha1(), b.md5(), b.size(), now).update();
        if (inserted == 1) {
            return true;
        }
        jdbc.sql("UPDATE blobs SET refs = refs + 1 WHERE tenant_id = ? AND sha256 = ?")
                .params(tenantId.toString(), b.sha256()).update();
        return false;
    }

    /** Counts {@code size} more bytes unless that passes {@code quota}; false when it would. */
    public boolean addUsage(UUID tenantId, long size, long quota) {
        jdbc.sql("INSERT INTO blob_usage (tenant_id, blobs, bytes) VALUES (?, 0, 0) ON CONFLICT DO NOTHING")
                .params(tenantId.toString()).update();
        return jdbc.sql("UPDATE blob_usage SET blobs = blobs + 1, bytes = bytes + ? WHERE tenant_id = ?"
                        + " AND bytes + ? <= ?")
                .params(size, tenantId.toString(), size, quota).update() == 1;
    }

    /** Drops a reference; the released blob when that was the last one (its row and bytes are gone). */
    public Optional<Blob> release(UUID tenantId, String sha256) {
        jdbc.sql("UPDATE blobs SET refs = refs - 1 WHERE tenant_id = ? AND sha256 = ? AND refs > 0")
                .params(tenantId.toString(), sha256).update();
        Optional<Blob> last = jdbc.sql("SELECT sha256, sha1, md5, size FROM blobs WHERE tenant_id = ? AND sha256 = ?"
                        + " AND refs = 0")
                .params(tenantId.toString(), sha256).query(BlobRepository::blob).optional();
        last.ifPresent(b -> {
            jdbc.sql("DELETE FROM blobs WHERE tenant_id = ? AND sha256 = ? AND refs = 0")
                    .params(tenantId.toString(), sha256).update();
            jdbc.sql("UPDATE blob_usage SET blobs = blobs - 1, bytes = bytes - ? WHERE tenant_id = ?")
                    .params(b.size(), tenantId.toString()).update();
        });
        return last;
    }

    public Optional<Blob> find(UUID tenantId, String sha256) {
        return jdbc.sql("SELECT sha256, sha1, md5, size FROM blobs WHERE tenant_id = ? AND sha256 = ?")
                .params(tenantId.toString(), sha256).query(BlobRepository::blob).optional();
    }

    /** A tenant's distinct blobs and their bytes. */
    public record Usage(long blobs, long bytes) {
    }

    public Usage usage(UUID tenantId) {
        return jdbc.sql("SELECT blobs, bytes FROM blob_usage WHERE tenant_id = ?").params(tenantId.toString())
                .query((rs, n) -> new Usage(rs.getLong("blobs"), rs.getLong("bytes"))).optional()
                .orElse(new Usage(0, 0));
    }

    private static Blob blob(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new Blob(rs.getString("sha256"), rs.getString("sha1"), rs.getString("md5"), rs.getLong("size"));
    }
}
