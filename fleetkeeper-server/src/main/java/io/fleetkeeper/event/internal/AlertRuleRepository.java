package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertRule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Alert rules. */
@Repository
public class AlertRuleRepository {

    /** A rule with its tenant, as the evaluator needs it. */
    public record Owned(UUID tenantId, AlertRule rule) {
    }

    private static final String COLUMNS = "tenant_id, id, name, kind, offline_minutes, scope, severity, channels, "
            + "dedupe_key, enabled, created_at, updated_at, version, escalate_after_minutes, escalation_channels, escalation, metric, metric_stream, operator, threshold, "
            + "for_minutes, escalation_policy_id, rate_count, rate_window_minutes";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    AlertRuleRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insert(UUID tenantId, AlertRule r) {
        jdbc.sql("INSERT INTO alert_rules (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                + "?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), r.id().toString(), r.name(), r.kind(), r.offlineMinutes(), r.scope(),
                        r.severity(), json.writeValueAsString(r.channels()), r.dedupeKey(), r.enabled(),
                        r.createdAt().toEpochMilli(), r.updatedAt().toEpochMilli(), r.version(), escalateAfter(r),
                        escalationChannels(r), escalation(r), t(r, 0), t(r, 1), t(r, 2), t(r, 3), t(r, 4), policy(r), rate(r, true), rate(r, false))
                .update();
    }

    /** Writes {@code r} (version already moved on) if the stored version is still {@code expected}. */
    public boolean update(UUID tenantId, AlertRule r, long expected) {
        return jdbc.sql("UPDATE alert_rules SET name = ?, kind = ?, offline_minutes = ?, scope = ?, severity = ?, "
                + "channels = ?, dedupe_key = ?, enabled = ?, updated_at = ?, version = ?, "
                + "escalate_after_minutes = ?, escalation_channels = ?, escalation = ?, metric = ?, metric_stream = ?, "
                + "operator = ?, threshold = ?, for_minutes = ?, escalation_policy_id = ?, rate_count = ?, "
                + "rate_window_minutes = ? "
                + "WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(r.name(), r.kind(), r.offlineMinutes(), r.scope(), r.severity(),
                        json.writeValueAsString(r.channels()), r.dedupeKey(), r.enabled(),
                        r.updatedAt().toEpochMilli(), r.version(), escalateAfter(r), escalationChannels(r),
                        escalation(r), t(r, 0), t(r, 1), t(r, 2), t(r, 3), t(r, 4), policy(r), rate(r, true), rate(r, false),
                        tenantId.toString(), r.id().toString(), expected)
                .update() == 1;
    }

    public boolean delete(UUID tenantId, UUID id, long expected) {
        return jdbc.sql("DELETE FROM alert_rules WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), expected).update() == 1;
    }

    public Optional<AlertRule> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alert_rules WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query((rs, n) -> rule(rs)).optional();
    }

    public List<AlertRule> list(UUID tenantId, UUID after, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alert_rules WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (after == null ? new UUID(0, 0) : after).toString(), limit)
                .query((rs, n) -> rule(rs)).list();
    }

    public boolean nameTaken(UUID tenantId, String name, UUID except) {
        return jdbc.sql("SELECT COUNT(*) FROM alert_rules WHERE tenant_id = ? AND name = ? AND id <> ?")
                .params(tenantId.toString(), name, except.toString()).query(Long.class).single() > 0;
    }

    /** Whether a rule of the tenant sends to {@code channelId}. */
    public boolean usesChannel(UUID tenantId, UUID channelId) {
        String pattern = "%" + channelId + "%";
        return jdbc.sql("SELECT COUNT(*) FROM alert_rules WHERE tenant_id = ? AND (channels LIKE ? "
                + "OR escalation_channels LIKE ? OR escalation LIKE ?)").params(tenantId.toString(), pattern, pattern,
                        pattern).query(Long.class).single() > 0;
    }

    /** Whether a rule of the tenant escalates to the person on call of {@code scheduleId}. */
    public boolean usesSchedule(UUID tenantId, UUID scheduleId) {
        return jdbc.sql("SELECT COUNT(*) FROM alert_rules WHERE tenant_id = ? AND escalation LIKE ?")
                .params(tenantId.toString(), "%" + scheduleId + "%").query(Long.class).single() > 0;
    }

    /** Whether a rule of the tenant references escalation policy {@code policyId}. */
    public boolean usesPolicy(UUID tenantId, UUID policyId) {
        return jdbc.sql("SELECT COUNT(*) FROM alert_rules WHERE tenant_id = ? AND escalation_policy_id = ?")
                .params(tenantId.toString(), policyId.toString()).query(Long.class).single() > 0;
    }

    private static Integer rate(AlertRule r, boolean count) {
        return r.rate() == null ? null : count ? r.rate().count() : r.rate().windowMinutes();
    }

    private static String policy(AlertRule r) {
        return r.escalationPolicyId() == null ? null : r.escalationPolicyId().toString();
    }

    /** The enabled rules of {@code kind} of every tenant. */
    public List<Owned> enabled(String kind) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alert_rules WHERE kind = ? AND enabled = ?").params(kind, true)
                .query((rs, n) -> new Owned(UUID.fromString(rs.getString("tenant_id")), rule(rs))).list();
    }

    /** The enabled rules of {@code kind} of one tenant. */
    public List<AlertRule> enabled(UUID tenantId, String kind) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM alert_rules WHERE tenant_id = ? AND kind = ? AND enabled = ?")
                .params(tenantId.toString(), kind, true).query((rs, n) -> rule(rs)).list();
    }

    private static Integer escalateAfter(AlertRule r) {
        return r.escalation() == null ? null : r.escalation().afterMinutes();
    }

    private String escalationChannels(AlertRule r) {
        return r.escalation() == null ? null : json.writeValueAsString(r.escalation().channels());
    }

    /** Field {@code i} of the rule's telemetry condition, as stored. */
    private static Object t(AlertRule r, int i) {
        AlertRule.Threshold t = r.threshold();
        if (t == null) {
            return null;
        }
        return switch (i) {
            case 0 -> t.metric();
            case 1 -> t.stream();
            case 2 -> t.operator();
            case 3 -> t.value();
            default -> t.forMinutes();
        };
    }

    private String escalation(AlertRule r) {
        return r.escalation() == null ? null : json.writeValueAsString(r.escalation());
    }

    private AlertRule rule(ResultSet rs) throws SQLException {
        int minutes = rs.getInt("offline_minutes");
        Integer offline = rs.wasNull() ? null : minutes;
        List<UUID> channels = json.readValue(rs.getString("channels"), new TypeReference<List<UUID>>() { });
        int after = rs.getInt("escalate_after_minutes");
        String chain = rs.getString("escalation");
        AlertRule.Escalation escalation = chain != null ? json.readValue(chain, AlertRule.Escalation.class)
                : after == 0 ? null : new AlertRule.Escalation(after,
                        json.readValue(rs.getString("escalation_channels"), new TypeReference<List<UUID>>() { }));
        String metric = rs.getString("metric");
        AlertRule.Threshold threshold = metric == null ? null : new AlertRule.Threshold(metric,
                rs.getString("metric_stream"), rs.getString("operator"), rs.getDouble("threshold"),
                rs.getInt("for_minutes"));
        int rateCount = rs.getInt("rate_count");
        AlertRule.Rate rate = rs.wasNull() ? null : new AlertRule.Rate(rateCount, rs.getInt("rate_window_minutes"));
        return new AlertRule(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getString("kind"), offline,
                threshold, rate, rs.getString("scope"), rs.getString("severity"), channels, escalation,
                rs.getString("escalation_policy_id") == null ? null
                        : UUID.fromString(rs.getString("escalation_policy_id")), rs.getString("dedupe_key"),
                rs.getBoolean("enabled"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), rs.getLong("version"));
    }
}
