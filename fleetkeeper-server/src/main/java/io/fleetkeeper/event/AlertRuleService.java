package io.fleetkeeper.event;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.event.internal.AlertRuleChecks;
import io.fleetkeeper.event.internal.AlertRuleRepository;
import io.fleetkeeper.event.internal.EscalationPolicyRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Alert rules: create, read, list, change (JSON Merge Patch, If-Match), delete. */
@Service
public class AlertRuleService {

    private static final Set<String> WRITABLE = Set.of("name", "kind", "offline_minutes", "threshold", "rate", "scope",
            "severity",
            "channels", "escalation", "escalation_policy_id", "dedupe_key", "enabled");

    private final AlertRuleRepository rules;
    private final EscalationPolicyRepository policies;
    private final AlertRuleChecks checks;
    private final AuditService audit;
    private final JsonMapper json;
    private final Clock clock;

    AlertRuleService(AlertRuleRepository rules, EscalationPolicyRepository policies, AlertRuleChecks checks,
            AuditService audit, JsonMapper json, Clock clock) {
        this.rules = rules;
        this.policies = policies;
        this.checks = checks;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    @Transactional
    public AlertRule create(Caller caller, AlertRule.Fields in) {
        UUID tenantId = caller.tenantId();
        checks.check(tenantId, in);
        Instant now = Times.now(clock);
        UUID id = Ids.newId(clock);
        AlertRule r = build(id, in, now, now, 1);
        checkName(tenantId, r);
        try {
            rules.insert(tenantId, r);
        } catch (DuplicateKeyException e) {
            throw nameTaken(r.name());
        }
        audit.recordDetails(tenantId, caller, "alert_rule.create", "alert_rule", id.toString(),
                Map.of("name", r.name(), "kind", r.kind(), "severity", r.severity()));
        return r;
    }

    public AlertRule get(UUID tenantId, UUID id) {
        return rules.find(tenantId, id).orElseThrow(() -> ApiException.notFound("alert rule"));
    }

    /** The rule, if it still exists. */
    public java.util.Optional<AlertRule> find(UUID tenantId, UUID id) {
        return rules.find(tenantId, id);
    }

    /**
     * The escalation chain a rule follows: its inline one, else that of the policy it references (as the policy
     * is now), else null.
     */
    public AlertRule.Escalation escalation(UUID tenantId, AlertRule rule) {
        if (rule.escalation() != null || rule.escalationPolicyId() == null) {
            return rule.escalation();
        }
        return policies.find(tenantId, rule.escalationPolicyId()).map(EscalationPolicy::escalation).orElse(null);
    }

    public Page<AlertRule> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "alert_rule");
        UUID after = c == null ? null : Ids.parseOrNull(c.id());
        if (c != null && after == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
        }
        return Page.of(rules.list(tenantId, after, limit + 1), limit,
                r -> new Cursor("alert_rule", null, r.id().toString()));
    }

    @Transactional
    public AlertRule update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch.of(patch, WRITABLE);
        AlertRule cur = current(tenantId, id, expectedVersion);
        ObjectNode merged = json.valueToTree(new AlertRule.Fields(cur.name(), cur.kind(), cur.offlineMinutes(),
                cur.threshold(), cur.rate(), cur.scope(), cur.severity(), cur.channels(), cur.escalation(), cur.escalationPolicyId(),
                cur.dedupeKey(), cur.enabled()));
        patch.properties().forEach(m -> merged.set(m.getKey(), m.getValue()));
        AlertRule.Fields in = checks.read(merged);
        checks.check(tenantId, in);
        AlertRule next = build(id, in, cur.createdAt(), Times.now(clock), cur.version() + 1);
        checkName(tenantId, next);
        if (!rules.update(tenantId, next, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "alert rule changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "alert_rule.update", "alert_rule", id.toString(), json.writeValueAsString(patch));
        return next;
    }

    /** Deletes a rule; its alerts and their history stay. */
    @Transactional
    public void delete(Caller caller, UUID id, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        AlertRule cur = current(tenantId, id, expectedVersion);
        if (!rules.delete(tenantId, id, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "alert rule changed concurrently; read it again");
        }
        audit.recordDetails(tenantId, caller, "alert_rule.delete", "alert_rule", id.toString(),
                Map.of("name", cur.name()));
    }

    private static AlertRule build(UUID id, AlertRule.Fields in, Instant created, Instant updated, long version) {
        String scope = in.scope() == null || in.scope().isBlank() ? null : in.scope();
        AlertRule.Threshold t = in.threshold();
        AlertRule.Threshold telemetry = t == null ? null : new AlertRule.Threshold(t.metric(), t.stream(),
                t.operator(), t.value(), t.forMinutes() == null ? 0 : t.forMinutes());
        return new AlertRule(id, in.name(), in.kind(), in.offlineMinutes(), telemetry, in.rate(), scope, in.severity(),
                in.channels() == null ? List.of() : List.copyOf(in.channels()), normalized(in.escalation()),
                in.escalationPolicyId(), in.dedupeKey() == null ? id.toString() : in.dedupeKey(), in.enabled() == null || in.enabled(),
                created, updated, version);
    }

    static AlertRule.Escalation normalized(AlertRule.Escalation e) {
        return e == null ? null : new AlertRule.Escalation(e.afterMinutes(),
                e.channels() == null ? List.of() : List.copyOf(e.channels()), e.scheduleId(), normalized(e.next()));
    }

    private AlertRule current(UUID tenantId, UUID id, Long expectedVersion) {
        AlertRule cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "alert rule has changed; its current ETag is \"" + cur.version() + "\"");
        }
        return cur;
    }

    private void checkName(UUID tenantId, AlertRule r) {
        if (rules.nameTaken(tenantId, r.name(), r.id())) {
            throw nameTaken(r.name());
        }
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "an alert rule named '" + name + "' exists",
                List.of(new ApiException.FieldError("name", "is already used by another alert rule")));
    }
}
