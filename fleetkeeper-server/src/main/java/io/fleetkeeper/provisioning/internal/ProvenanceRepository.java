package io.fleetkeeper.provisioning.internal;

import io.fleetkeeper.provisioning.Provenance;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The record of how each device joined. */
@Repository
public class ProvenanceRepository {

    private final JdbcClient jdbc;

    ProvenanceRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void provenance(UUID tenantId, Provenance p) {
        jdbc.sql("""
                INSERT INTO device_provenance (tenant_id, device_id, method, source_id, remote_addr, at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, device_id) DO UPDATE SET method = excluded.method,
                  source_id = excluded.source_id, remote_addr = excluded.remote_addr, at = excluded.at""")
                .params(tenantId.toString(), p.deviceId().toString(), p.method(), p.sourceId(), p.remoteAddr(),
                        p.at().toEpochMilli())
                .update();
    }

    public Optional<Provenance> provenanceOf(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT * FROM device_provenance WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString())
                .query((rs, n) -> new Provenance(UUID.fromString(rs.getString("device_id")), rs.getString("method"),
                        rs.getString("source_id"), rs.getString("remote_addr"), Times.instant(rs, "at")))
                .optional();
    }

    /** Devices provisioned by the given source with ids after {@code afterDevice}, in id order. */
    public List<UUID> devicesFrom(UUID tenantId, String method, String sourceId, UUID afterDevice, int fetch) {
        return jdbc.sql("""
                SELECT device_id FROM device_provenance WHERE tenant_id = ? AND method = ? AND source_id = ?
                  AND device_id > ?
                ORDER BY device_id LIMIT ?""")
                .params(tenantId.toString(), method, sourceId, (afterDevice == null ? Ids.NIL : afterDevice).toString(),
                        fetch).query(String.class).list().stream()
                .map(UUID::fromString).toList();
    }
}
