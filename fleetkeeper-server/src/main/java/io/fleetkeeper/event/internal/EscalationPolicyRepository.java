package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertRule;
import io.fleetkeeper.event.EscalationPolicy;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/** Escalation policies; the chain is stored as JSON, as a rule's inline chain is. */
@Repository
public class EscalationPolicyRepository {

    private static final String COLUMNS = "id, name, escalation, created_at, updated_at, version";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    EscalationPolicyRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insert(UUID tenantId, EscalationPolicy p) {
        jdbc.sql("INSERT INTO escalation_policies (tenant_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), p.id().toString(), p.name(), json.writeValueAsString(p.escalation()),
                        p.createdAt().toEpochMilli(), p.updatedAt().toEpochMilli(), p.version())
                .update();
    }

    /** Writes {@code p} (version already moved on) if the stored version is still {@code expected}. */
    public boolean update(UUID tenantId, EscalationPolicy p, long expected) {
        return jdbc.sql("UPDATE escalation_policies SET name = ?, escalation = ?, updated_at = ?, version = ? "
                + "WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(p.name(), json.writeValueAsString(p.escalation()), p.updatedAt().toEpochMilli(), p.version(),
                        tenantId.toString(), p.id().toString(), expected)
                .update() == 1;
    }

    public boolean delete(UUID tenantId, UUID id, long expected) {
        return jdbc.sql("DELETE FROM escalation_policies WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), expected).update() == 1;
    }

    public Optional<EscalationPolicy> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM escalation_policies WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query((rs, n) -> policy(rs)).optional();
    }

    public List<EscalationPolicy> list(UUID tenantId, UUID after, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM escalation_policies WHERE tenant_id = ? AND id > ? "
                + "ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (after == null ? new UUID(0, 0) : after).toString(), limit)
                .query((rs, n) -> policy(rs)).list();
    }

    public boolean nameTaken(UUID tenantId, String name, UUID except) {
        return jdbc.sql("SELECT COUNT(*) FROM escalation_policies WHERE tenant_id = ? AND name = ? AND id <> ?")
                .params(tenantId.toString(), name, except.toString()).query(Long.class).single() > 0;
    }

    /** Whether a policy of the tenant names {@code id} (a notification channel or an on-call schedule). */
    public boolean uses(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT COUNT(*) FROM escalation_policies WHERE tenant_id = ? AND escalation LIKE ?")
                .params(tenantId.toString(), "%" + id + "%").query(Long.class).single() > 0;
    }

    private EscalationPolicy policy(ResultSet rs) throws SQLException {
        return new EscalationPolicy(UUID.fromString(rs.getString("id")), rs.getString("name"),
                json.readValue(rs.getString("escalation"), AlertRule.Escalation.class),
                Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")),
                rs.getLong("version"));
    }
}
