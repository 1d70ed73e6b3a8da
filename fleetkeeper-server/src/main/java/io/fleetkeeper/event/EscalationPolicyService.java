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
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Escalation policies: create, read, list, change (JSON Merge Patch, If-Match), delete when no rule uses them. */
@Service
public class EscalationPolicyService {

    private static final Set<String> WRITABLE = Set.of("name", "escalation");
    private static final Pattern NO_CONTROL = Pattern.compile("[^\\p{Cntrl}]*");

    private final EscalationPolicyRepository policies;
    private final AlertRuleRepository rules;
    private final AlertRuleChecks checks;
    private final OncallService oncall;
    private final AuditService audit;
    private final JsonMapper json;
    private final Clock clock;

    EscalationPolicyService(EscalationPolicyRepository policies, AlertRuleRepository rules, AlertRuleChecks checks,
            OncallService oncall, AuditService audit, JsonMapper json, Clock clock) {
        this.policies = policies;
        this.rules = rules;
        this.checks = checks;
        this.oncall = oncall;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    @Transactional
    public EscalationPolicy create(Caller caller, EscalationPolicy.Fields in) {
        UUID tenantId = caller.tenantId();
        check(tenantId, in);
        Instant now = Times.now(clock);
        EscalationPolicy p = new EscalationPolicy(Ids.newId(clock), in.name(),
                AlertRuleService.normalized(in.escalation()), now, now, 1);
        checkName(tenantId, p);
        try {
            policies.insert(tenantId, p);
        } catch (DuplicateKeyException e) {
            throw nameTaken(p.name());
        }
        audit.recordDetails(tenantId, caller, "escalation_policy.create", "escalation_policy", p.id().toString(),
                Map.of("name", p.name()));
        return p;
    }

    public EscalationPolicy get(UUID tenantId, UUID id) {
        return policies.find(tenantId, id).orElseThrow(() -> ApiException.notFound("escalation policy"));
    }

    public Page<EscalationPolicy> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "escalation_policy");
        UUID after = c == null ? null : Ids.parseOrNull(c.id());
        if (c != null && after == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
        }
        return Page.of(policies.list(tenantId, after, limit + 1), limit,
                p -> new Cursor("escalation_policy", null, p.id().toString()));
    }

    @Transactional
    public EscalationPolicy update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch.of(patch, WRITABLE);
        EscalationPolicy cur = current(tenantId, id, expectedVersion);
        ObjectNode merged = json.valueToTree(new EscalationPolicy.Fields(cur.name(), cur.escalation()));
        patch.properties().forEach(m -> merged.set(m.getKey(), m.getValue()));
        EscalationPolicy.Fields in = oncall.read(merged, EscalationPolicy.Fields.class);
        check(tenantId, in);
        EscalationPolicy next = new EscalationPolicy(id, in.name(), AlertRuleService.normalized(in.escalation()),
                cur.createdAt(), Times.now(clock), cur.version() + 1);
        checkName(tenantId, next);
        if (!policies.update(tenantId, next, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "policy changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "escalation_policy.update", "escalation_policy", id.toString(),
                json.writeValueAsString(patch));
        return next;
    }

    /** Deletes a policy no alert rule references. */
    @Transactional
    public void delete(Caller caller, UUID id, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        EscalationPolicy cur = current(tenantId, id, expectedVersion);
        if (rules.usesPolicy(tenantId, id)) {
            throw new ApiException(ErrorCode.IN_USE, "an alert rule follows this policy; change the rule first");
        }
        if (!policies.delete(tenantId, id, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "policy changed concurrently; read it again");
        }
        audit.recordDetails(tenantId, caller, "escalation_policy.delete", "escalation_policy", id.toString(),
                Map.of("name", cur.name()));
    }

    /** Reads a request body; a member of the wrong JSON type is a field error. */
    public EscalationPolicy.Fields read(JsonNode body) {
        return oncall.read(body, EscalationPolicy.Fields.class);
    }

    private void check(UUID tenantId, EscalationPolicy.Fields in) {
        Violations v = new Violations();
        v.required("name", in.name()).maxLength("name", in.name(), 128)
                .pattern("name", in.name(), NO_CONTROL, "free of control characters");
        if (in.escalation() == null) {
            v.add("escalation", "is required: {after_minutes, channels and/or schedule_id, next}");
        }
        checks.checkEscalation(v, tenantId, "escalation", in.escalation());
        v.throwIfAny();
    }

    private EscalationPolicy current(UUID tenantId, UUID id, Long expectedVersion) {
        EscalationPolicy cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "escalation policy has changed; its current ETag is \"" + cur.version() + "\"");
        }
        return cur;
    }

    private void checkName(UUID tenantId, EscalationPolicy p) {
        if (policies.nameTaken(tenantId, p.name(), p.id())) {
            throw nameTaken(p.name());
        }
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "an escalation policy named '" + name + "' exists",
                List.of(new ApiException.FieldError("name", "is already used by another escalation policy")));
    }
}
