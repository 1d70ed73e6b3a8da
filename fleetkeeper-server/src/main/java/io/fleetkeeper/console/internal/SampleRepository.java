package io.fleetkeeper.console.internal;

import io.fleetkeeper.console.internal.FleetSamples.Sample;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code console_fleet_samples} table: a tenant's device counts, one row per sampling interval. */
@Repository
class SampleRepository {

    private final JdbcClient jdbc;

    SampleRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts the sample unless the interval already has one (another node took it). */
    void insert(UUID tenantId, Sample s) {
        jdbc.sql("""
                INSERT INTO console_fleet_samples (tenant_id, at, total, connected, online, stale, offline)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, at) DO NOTHING""")
                .params(tenantId.toString(), s.at(), s.total(), s.connected(), s.online(), s.stale(), s.offline())
                .update();
    }

    List<Sample> since(UUID tenantId, long from) {
        return jdbc.sql("""
                SELECT at, total, connected, online, stale, offline FROM console_fleet_samples
                WHERE tenant_id = ? AND at >= ? ORDER BY at""")
                .params(tenantId.toString(), from)
                .query((rs, i) -> new Sample(rs.getLong("at"), rs.getLong("total"), rs.getLong("connected"),
                        rs.getLong("online"), rs.getLong("stale"), rs.getLong("offline")))
                .list();
    }

    int deleteBefore(long at) {
        return jdbc.sql("DELETE FROM console_fleet_samples WHERE at < ?").param(at).update();
    }
}
