package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.carrier.DeviceSim;
import jakarta.annotation.Nullable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Devices' SIMs ({@code device_sims}), one per device, ICCIDs unique per tenant. */
@Repository
public class SimRepository {

    /** A SIM row with what only the sync needs: the carrier's link id. */
    public record Stored(UUID tenantId, DeviceSim sim, @Nullable String carrierLinkId) {
    }

    private static final double MB = 1024.0 * 1024.0;
    private static final String COLUMNS = "s.tenant_id, s.device_id, s.integration_id, i.carrier, s.iccid, s.plan, "
            + "s.carrier_device_id, s.carrier_link_id, s.sim_status, s.carrier_state, s.network_status, "
            + "s.network_name, s.data_used_bytes, s.linked_at, s.usage_synced_at, s.info_synced_at, s.version";
    private static final String FROM = " FROM device_sims s JOIN carrier_integrations i"
            + " ON i.tenant_id = s.tenant_id AND i.id = s.integration_id";

    private final JdbcClient jdbc;

    SimRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, DeviceSim s, @Nullable String carrierLinkId) {
        jdbc.sql("""
                INSERT INTO device_sims (tenant_id, device_id, integration_id, iccid, plan, carrier_device_id,
                  carrier_link_id, sim_status, carrier_state, network_status, network_name, data_used_bytes, linked_at,
                  version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)""")
                .params(tenantId.toString(), s.deviceId().toString(), s.integrationId().toString(), s.iccid(),
                        s.plan(), s.carrierDeviceId(), carrierLinkId, s.simStatus(), s.carrierState(),
                        s.networkStatus(), s.networkName(), s.linkedAt().toEpochMilli(), s.version())
                .update();
    }

    public Optional<Stored> find(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT " + COLUMNS + FROM + " WHERE s.tenant_id = ? AND s.device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).query(SimRepository::stored).optional();
    }

    public boolean iccidTaken(UUID tenantId, String iccid) {
        return jdbc.sql("SELECT COUNT(*) FROM device_sims WHERE tenant_id = ? AND iccid = ?")
                .params(tenantId.toString(), iccid).query(Long.class).single() > 0;
    }

    public long countOfIntegration(UUID tenantId, UUID integrationId) {
        return jdbc.sql("SELECT COUNT(*) FROM device_sims WHERE tenant_id = ? AND integration_id = ?")
                .params(tenantId.toString(), integrationId.toString()).query(Long.class).single();
    }

    /** The SIMs of an integration whose state was read longest ago (never read first). */
    public List<Stored> stalestInfo(UUID tenantId, UUID integrationId, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + FROM + " WHERE s.tenant_id = ? AND s.integration_id = ? "
                + "ORDER BY COALESCE(s.info_synced_at, 0), s.device_id LIMIT ?")
                .params(tenantId.toString(), integrationId.toString(), limit).query(SimRepository::stored).list();
    }

    /** Sets the month's usage of every SIM of the integration to 0, before {@link #recordUsage} fills it in. */
    public void resetUsage(UUID tenantId, UUID integrationId, long now) {
        jdbc.sql("UPDATE device_sims SET data_used_bytes = 0, usage_synced_at = ? WHERE tenant_id = ? AND integration_id = ?")
                .params(now, tenantId.toString(), integrationId.toString()).update();
    }

    /** Sets the month's usage of the SIM whose link the carrier calls {@code carrierLinkId}. */
    public int recordUsage(UUID tenantId, UUID integrationId, String carrierLinkId, long bytes, long now) {
        return jdbc.sql("""
                UPDATE device_sims SET data_used_bytes = ?, usage_synced_at = ?
                WHERE tenant_id = ? AND integration_id = ? AND carrier_link_id = ?""")
                .params(bytes, now, tenantId.toString(), integrationId.toString(), carrierLinkId).update();
    }

    public void recordInfo(UUID tenantId, UUID deviceId, String simStatus, @Nullable String carrierState,
            String networkStatus, @Nullable String networkName, @Nullable String plan, long now) {
        jdbc.sql("""
                UPDATE device_sims SET sim_status = ?, carrier_state = ?, network_status = ?, network_name = ?,
                  plan = COALESCE(?, plan), info_synced_at = ?, version = version + 1
                WHERE tenant_id = ? AND device_id = ?""")
                .params(simStatus, carrierState, networkStatus, networkName, plan, now, tenantId.toString(),
                        deviceId.toString())
                .update();
    }

    public void recordState(UUID tenantId, UUID deviceId, String simStatus, String carrierState) {
        jdbc.sql("""
                UPDATE device_sims SET sim_status = ?, carrier_state = ?, version = version + 1
                WHERE tenant_id = ? AND device_id = ?""")
                .params(simStatus, carrierState, tenantId.toString(), deviceId.toString()).update();
    }

    public boolean delete(UUID tenantId, UUID deviceId) {
        return jdbc.sql("DELETE FROM device_sims WHERE tenant_id = ? AND device_id = ?")
                .params(tenantId.toString(), deviceId.toString()).update() == 1;
    }

    private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static Stored stored(ResultSet rs, int n) throws SQLException {
        Instant usage = instant(rs, "usage_synced_at");
        Instant info = instant(rs, "info_synced_at");
        Instant last = usage == null ? info : info == null ? usage : usage.isAfter(info) ? usage : info;
        DeviceSim sim = new DeviceSim(UUID.fromString(rs.getString("device_id")),
                UUID.fromString(rs.getString("integration_id")), rs.getString("carrier"), rs.getString("iccid"),
                rs.getString("plan"), rs.getString("carrier_device_id"), rs.getString("sim_status"),
                rs.getString("carrier_state"), rs.getString("network_status"), rs.getString("network_name"),
                Math.round(rs.getLong("data_used_bytes") / MB * 1000.0) / 1000.0,
                Instant.ofEpochMilli(rs.getLong("linked_at")), last, rs.getLong("version"));
        return new Stored(UUID.fromString(rs.getString("tenant_id")), sim, rs.getString("carrier_link_id"));
    }
}
