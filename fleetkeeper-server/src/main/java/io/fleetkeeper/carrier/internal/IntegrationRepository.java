package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.carrier.CarrierIntegration;
import jakarta.annotation.Nullable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Carrier integrations; the API key is stored sealed and read only to call the carrier. */
@Repository
public class IntegrationRepository {

    /** An integration with its sealed API key. */
    public record Stored(CarrierIntegration integration, String sealedKey) {
    }

    private static final String COLUMNS = "tenant_id, id, name, carrier, base_url, org_id, api_key, status, "
            + "last_error, failures, last_sync_at, next_sync_at, created_at, version";

    private final JdbcClient jdbc;

    IntegrationRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(CarrierIntegration c, String sealedKey) {
        jdbc.sql("INSERT INTO carrier_integrations (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(c.tenantId().toString(), c.id().toString(), c.name(), c.carrier(), c.baseUrl(), c.orgId(),
                        sealedKey, c.status(), c.lastError(), c.failures(), millis(c.lastSyncAt()),
                        c.nextSyncAt().toEpochMilli(), c.createdAt().toEpochMilli(), c.version())
                .update();
    }

    public Optional<Stored> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM carrier_integrations WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(IntegrationRepository::stored).optional();
    }

    /** Any tenant's integration, for platform operators. */
    public Optional<Stored> findAnyTenant(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM carrier_integrations WHERE id = ?").param(id.toString())
                .query(IntegrationRepository::stored).optional();
    }

    /** One tenant's integrations, or (tenantId null) every tenant's; optionally of one carrier; by id. */
    public List<CarrierIntegration> list(@Nullable UUID tenantId, @Nullable String carrier, @Nullable UUID after,
            int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM carrier_integrations WHERE id > ?");
        List<Object> params = new ArrayList<>();
        params.add((after == null ? new UUID(0, 0) : after).toString());
        if (tenantId != null) {
            sql.append(" AND tenant_id = ?");
            params.add(tenantId.toString());
        }
        if (carrier != null) {
            sql.append(" AND carrier = ?");
            params.add(carrier);
        }
        return jdbc.sql(sql.append(" ORDER BY id LIMIT ?").toString()).params(params).param(limit)
                .query(IntegrationRepository::stored).list().stream().map(Stored::integration).toList();
    }

    public boolean nameTaken(UUID tenantId, String name, @Nullable UUID except) {
        return jdbc.sql("SELECT COUNT(*) FROM carrier_integrations WHERE tenant_id = ? AND name = ? AND id <> ?")
                .params(tenantId.toString(), name, (except == null ? new UUID(0, 0) : except).toString())
                .query(Long.class).single() > 0;
    }

    /** Writes name, base URL, organisation and key if the version is still {@code expected}. */
    public boolean update(CarrierIntegration c, String sealedKey, long expected) {
        return jdbc.sql("""
                UPDATE carrier_integrations SET name = ?, base_url = ?, org_id = ?, api_key = ?, status = ?,
                  last_error = ?, failures = ?, next_sync_at = ?, version = ?
                WHERE tenant_id = ? AND id = ? AND version = ?""")
                .params(c.name(), c.baseUrl(), c.orgId(), sealedKey, c.status(), c.lastError(), c.failures(),
                        c.nextSyncAt().toEpochMilli(), c.version(), c.tenantId().toString(), c.id().toString(),
                        expected)
                .update() == 1;
    }

    /**
     * What a call to the carrier made with the integration at {@code version} found. Does not change the version
     * (an operator's edit is not refused by it); kept only while the version is still {@code version}: a call
     * made with a key or address the operator has replaced since says nothing about the new ones.
     */
    public void recordOutcome(CarrierIntegration c, String status, @Nullable String error, int failures,
            @Nullable Instant syncedAt, Instant nextSyncAt) {
        jdbc.sql("""
                UPDATE carrier_integrations SET status = ?, last_error = ?, failures = ?,
                  last_sync_at = COALESCE(?, last_sync_at), next_sync_at = ?
                WHERE tenant_id = ? AND id = ? AND version = ?""")
                .params(status, error, failures, millis(syncedAt), nextSyncAt.toEpochMilli(),
                        c.tenantId().toString(), c.id().toString(), c.version())
                .update();
    }

    public boolean delete(UUID tenantId, UUID id, long expected) {
        return jdbc.sql("DELETE FROM carrier_integrations WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), expected).update() == 1;
    }

    /** Integrations whose sync is due at {@code now}, the longest waiting first. */
    public List<Stored> due(long now, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM carrier_integrations WHERE next_sync_at <= ? "
                + "ORDER BY next_sync_at LIMIT ?").params(now, limit).query(IntegrationRepository::stored).list();
    }

    private static @Nullable Long millis(@Nullable Instant at) {
        return at == null ? null : at.toEpochMilli();
    }

    private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static Stored stored(ResultSet rs, int n) throws SQLException {
        return new Stored(new CarrierIntegration(UUID.fromString(rs.getString("id")),
                UUID.fromString(rs.getString("tenant_id")), rs.getString("name"), rs.getString("carrier"),
                rs.getString("base_url"), rs.getString("org_id"), rs.getString("status"), rs.getString("last_error"),
                rs.getInt("failures"), instant(rs, "last_sync_at"), Instant.ofEpochMilli(rs.getLong("next_sync_at")),
                Instant.ofEpochMilli(rs.getLong("created_at")), rs.getLong("version")), rs.getString("api_key"));
    }
}
