package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.Alert;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Alerts and their history. */
@Repository
public class AlertRepository {

    /** An alert with its tenant, as the evaluator and the notifier need it. */
    public record Owned(UUID tenantId, Alert alert) {
    }

    /** Filters of a tenant's alert list; null means any. */
    public record Filter(String status, String severity, UUID ruleId, UUID deviceId) {
    }

    private static final String COLUMNS = "tenant_id, id, rule_id, kind, dedupe_key, device_id, severity, status, "
            + "summary, opened_at, acknowledged_at, resolved_at, escalated_at, escalation_level, next_escalation_at, version";

    private final JdbcClient jdbc;

    AlertRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, Alert a) {
        jdbc.sql("INSERT INTO alerts (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), a.id().toString(), a.ruleId().toString(), a.kind(), a.dedupeKey(),
                        a.deviceId() == null ? null : a.deviceId().toString(), a.severity(), a.status(), a.summary(),
                        a.openedAt().toEpochMilli(), Times.millis(a.acknowledgedAt()), Times.millis(a.resolvedAt()),
                        Times.millis(a.escalatedAt()), a.escalationLevel(), Times.millis(a.nextEscalationAt()),
                        a.version())
                .update();
    }

    /** Moves an alert to {@code next} (version already moved on) if its stored version is still {@code expected}. */
    public boolean update(UUID tenantId, Alert next, long expected) {
        return jdbc.sql("UPDATE alerts SET status = ?, acknowledged_at = ?, resolved_at = ?, escalated_at = ?, "
                + "escalation_level = ?, next_escalation_at = ?, version = ? WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(next.status(), Times.millis(next.acknowledgedAt()), Times.millis(next.resolvedAt()),
                        Times.millis(next.escalatedAt()), next.escalationLevel(),
                        Times.millis(next.nextEscalationAt()), next.version(), tenantId.toString(), next.id().toString(), expected)
                .update() == 1;
    }

    public Optional<Alert> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alerts WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query((rs, n) -> alert(rs)).optional();
    }

    /** The alert of {@code dedupeKey} that is not resolved, if any. */
    public Optional<Alert> unresolved(UUID tenantId, String dedupeKey) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alerts WHERE tenant_id = ? AND dedupe_key = ? "
                + "AND status <> 'RESOLVED'").params(tenantId.toString(), dedupeKey).query((rs, n) -> alert(rs))
                .optional();
    }

    /** The alerts of {@code kind} of every tenant that are not resolved. */
    public List<Owned> unresolved(String kind, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alerts WHERE kind = ? AND status <> 'RESOLVED' LIMIT ?")
                .params(kind, limit).query((rs, n) -> new Owned(UUID.fromString(rs.getString("tenant_id")), alert(rs)))
                .list();
    }

    /** A tenant's alerts, newest first (ids are time-ordered), after the keyset {@code before}. */
    public List<Alert> list(UUID tenantId, Filter f, UUID before, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alerts WHERE tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (before != null) {
            sql.append(" AND id < ?");
            params.add(before.toString());
        }
        if (f.status() != null) {
            sql.append(" AND status = ?");
            params.add(f.status());
        }
        if (f.severity() != null) {
            sql.append(" AND severity = ?");
            params.add(f.severity());
        }
        if (f.ruleId() != null) {
            sql.append(" AND rule_id = ?");
            params.add(f.ruleId().toString());
        }
        if (f.deviceId() != null) {
            sql.append(" AND device_id = ?");
            params.add(f.deviceId().toString());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(limit);
        return jdbc.sql(sql.toString()).params(params).query((rs, n) -> alert(rs)).list();
    }

    /**
     * Alerts of every tenant still OPEN whose next escalation level is due at {@code now}.
     */
    public List<Owned> dueForEscalation(long now, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alerts WHERE status = 'OPEN' "
                + "AND next_escalation_at IS NOT NULL AND next_escalation_at <= ? ORDER BY next_escalation_at LIMIT ?")
                .params(now, limit).query((rs, n) -> new Owned(UUID.fromString(rs.getString("tenant_id")), alert(rs)))
                .list();
    }

    public void transition(UUID tenantId, UUID alertId, String status, String actor, Instant at) {
        jdbc.sql("INSERT INTO alert_history (tenant_id, alert_id, status, actor, at) VALUES (?, ?, ?, ?, ?)")
                .params(tenantId.toString(), alertId.toString(), status, actor, at.toEpochMilli()).update();
    }

    public List<Alert.Transition> history(UUID tenantId, UUID alertId) {
        return jdbc.sql("SELECT status, actor, at FROM alert_history WHERE tenant_id = ? AND alert_id = ? ORDER BY id")
                .params(tenantId.toString(), alertId.toString())
                .query((rs, n) -> new Alert.Transition(rs.getString("status"), rs.getString("actor"),
                        Instant.ofEpochMilli(rs.getLong("at"))))
                .list();
    }

    private static Alert alert(ResultSet rs) throws SQLException {
        String device = rs.getString("device_id");
        return new Alert(UUID.fromString(rs.getString("id")), UUID.fromString(rs.getString("rule_id")),
                rs.getString("kind"), rs.getString("dedupe_key"), device == null ? null : UUID.fromString(device),
                rs.getString("severity"), rs.getString("status"), rs.getString("summary"),
                Instant.ofEpochMilli(rs.getLong("opened_at")), Times.instant(rs, "acknowledged_at"),
                Times.instant(rs, "resolved_at"), Times.instant(rs, "escalated_at"), rs.getInt("escalation_level"),
                Times.instant(rs, "next_escalation_at"), rs.getLong("version"));
    }
}
