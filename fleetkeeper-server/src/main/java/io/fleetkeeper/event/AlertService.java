package io.fleetkeeper.event;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.event.internal.AlertRepository;
import io.fleetkeeper.event.internal.AlertRuleChecks;
import io.fleetkeeper.event.internal.NotificationRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Alerts: opened by rules (one not resolved per dedupe key), acknowledged and resolved by operators or resolved
 * by the server when the condition cleared. Every transition is kept in the alert's history, audited, and
 * notified to the rule's channels.
 */
@Service
public class AlertService {

    /** Notification actions, as PagerDuty names them. */
    public static final String TRIGGER = "trigger";
    public static final String ACKNOWLEDGE = "acknowledge";
    public static final String RESOLVE = "resolve";

    /** The history entry of an escalation (the alert stays OPEN). */
    public static final String ESCALATED = "ESCALATED";

    private static final Set<String> STATUSES = Set.of(Alert.OPEN, Alert.ACKNOWLEDGED, Alert.RESOLVED);

    private final AlertRepository alerts;
    private final NotificationRepository notifications;
    private final AlertRuleService rules;
    private final OncallService oncall;
    private final AuditService audit;
    private final Clock clock;

    AlertService(AlertRepository alerts, NotificationRepository notifications, AlertRuleService rules,
            OncallService oncall, AuditService audit, Clock clock) {
        this.alerts = alerts;
        this.notifications = notifications;
        this.rules = rules;
        this.oncall = oncall;
        this.audit = audit;
        this.clock = clock;
    }

    public Alert get(UUID tenantId, UUID id) {
        return alerts.find(tenantId, id).orElseThrow(() -> ApiException.notFound("alert"));
    }

    /** A tenant's alerts, newest first, filtered by status, severity, rule and device when given. */
    public Page<Alert> list(UUID tenantId, @Nullable String status, @Nullable String severity,
            @Nullable UUID ruleId, @Nullable UUID deviceId, String cursor, int limit) {
        if (status != null && !STATUSES.contains(status)) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "status must be OPEN, ACKNOWLEDGED or RESOLVED");
        }
        if (severity != null && !AlertRuleChecks.SEVERITIES.contains(severity)) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "severity must be critical, warning or info");
        }
        Cursor c = Cursor.decode(cursor, "alert");
        UUID before = c == null ? null : Ids.parseOrNull(c.id());
        if (c != null && before == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
        }
        return Page.of(alerts.list(tenantId, new AlertRepository.Filter(status, severity, ruleId, deviceId), before,
                limit + 1), limit, a -> new Cursor("alert", null, a.id().toString()));
    }

    /** An alert's transitions, oldest first. */
    public List<Alert.Transition> history(UUID tenantId, UUID id) {
        get(tenantId, id);
        return alerts.history(tenantId, id);
    }

    /** What was sent about an alert, to which channel, and how it went. */
    public List<Alert.Notification> notifications(UUID tenantId, UUID id) {
        get(tenantId, id);
        return notifications.ofAlert(tenantId, id);
    }

    @Transactional
    public Alert acknowledge(Caller caller, UUID id) {
        Alert cur = get(caller.tenantId(), id);
        if (!cur.status().equals(Alert.OPEN)) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "only an OPEN alert can be acknowledged; it is "
                    + cur.status());
        }
        return move(caller, cur, Alert.ACKNOWLEDGED, ACKNOWLEDGE);
    }

    @Transactional
    public Alert resolve(Caller caller, UUID id) {
        Alert cur = get(caller.tenantId(), id);
        if (cur.status().equals(Alert.RESOLVED)) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "the alert is already RESOLVED");
        }
        return move(caller, cur, Alert.RESOLVED, RESOLVE);
    }

    /**
     * Opens an alert of {@code rule} about {@code subject} (a device or a job id) unless one of its dedupe key is
     * not resolved yet; returns the new alert, or empty.
     */
    @Transactional
    public Optional<Alert> open(UUID tenantId, AlertRule rule, String subject, @Nullable UUID deviceId,
            Supplier<String> summary) {
        String key = rule.dedupeKey() + ":" + subject;
        if (alerts.unresolved(tenantId, key).isPresent()) {
            return Optional.empty();
        }
        Instant now = Times.now(clock);
        AlertRule.Escalation chain = rules.escalation(tenantId, rule);
        Instant escalation = chain == null ? null : now.plus(Duration.ofMinutes(chain.afterMinutes()));
        Alert a = new Alert(Ids.newId(clock), rule.id(), rule.kind(), key, deviceId, rule.severity(), Alert.OPEN,
                summary.get(), now, null, null, null, 0, escalation, 1);
        alerts.insert(tenantId, a);
        Caller system = Caller.system(tenantId);
        alerts.transition(tenantId, a.id(), Alert.OPEN, system.actor(), now);
        notifications.queue(tenantId, a.id(), rule.channels(), TRIGGER, now.toEpochMilli());
        audit.recordDetails(tenantId, system, "alert.open", "alert", a.id().toString(),
                Map.of("rule_id", rule.id().toString(), "dedupe_key", key, "severity", rule.severity()));
        return Optional.of(a);
    }

    /** The alert of {@code rule} about {@code subject} that is not resolved, if any. */
    public Optional<Alert> unresolved(UUID tenantId, AlertRule rule, String subject) {
        return alerts.unresolved(tenantId, rule.dedupeKey() + ":" + subject);
    }

    /** Resolves an alert whose condition cleared; false when it was resolved already. */
    @Transactional
    public boolean autoResolve(UUID tenantId, UUID id) {
        Alert cur = alerts.find(tenantId, id).orElse(null);
        if (cur == null || cur.status().equals(Alert.RESOLVED)) {
            return false;
        }
        move(Caller.system(tenantId), cur, Alert.RESOLVED, RESOLVE);
        return true;
    }

    /**
     * Sends an alert still OPEN whose next escalation level is due (the caller found it due) to that level's channels and to the person on
     * call of its schedule, and records it; false when it was acknowledged, resolved or escalated meanwhile, or its
     * rule has no further level (then nothing more is due).
     */
    @Transactional
    public boolean escalate(UUID tenantId, UUID id) {
        Alert cur = alerts.find(tenantId, id).orElse(null);
        if (cur == null || !cur.status().equals(Alert.OPEN) || cur.nextEscalationAt() == null) {
            return false;
        }
        Instant now = Times.now(clock);
        AlertRule rule = rules.find(tenantId, cur.ruleId()).orElse(null);
        int level = cur.escalationLevel() + 1;
        AlertRule.Escalation chain = rule == null ? null : rules.escalation(tenantId, rule);
        AlertRule.Escalation step = chain == null ? null : chain.level(level);
        AlertRule.Escalation after = step == null ? null : step.next();
        Alert next = new Alert(cur.id(), cur.ruleId(), cur.kind(), cur.dedupeKey(), cur.deviceId(), cur.severity(),
                cur.status(), cur.summary(), cur.openedAt(), null, null, step == null ? cur.escalatedAt() : now,
                step == null ? cur.escalationLevel() : level,
                after == null ? null : now.plus(Duration.ofMinutes(after.afterMinutes())), cur.version() + 1);
        if (!alerts.update(tenantId, next, cur.version()) || step == null) {
            return false;
        }
        Caller system = Caller.system(tenantId);
        alerts.transition(tenantId, id, ESCALATED, system.actor(), now);
        notifications.queue(tenantId, id, step.channels(), TRIGGER, now.toEpochMilli());
        Map<String, String> details = new java.util.LinkedHashMap<>();
        details.put("level", Integer.toString(level + 1));
        if (step.scheduleId() != null) {
            try {
                OncallSchedule.OnCall who = oncall.onCall(tenantId, step.scheduleId(), now);
                notifications.queueTo(tenantId, id, new NotificationRepository.Recipient(step.scheduleId(),
                        who.member().email()), TRIGGER, now.toEpochMilli());
                for (UUID contact : who.member().channels()) {
                    if (step.channels().contains(contact)) {
                        continue;
                    }
                    notifications.queueTo(tenantId, id, new NotificationRepository.Recipient(step.scheduleId(), null,
                            contact), TRIGGER, now.toEpochMilli());
                }
                details.put("on_call", who.member().name());
            } catch (ApiException e) {
                details.put("on_call", "schedule deleted");
            }
        }
        audit.recordDetails(tenantId, system, "alert.escalate", "alert", id.toString(), details);
        return true;
    }

    /** The channels that hear of an alert's transitions: level 1, and each level it escalated to. */
    private List<UUID> audience(UUID tenantId, AlertRule rule, Alert a) {
        java.util.LinkedHashSet<UUID> channels = new java.util.LinkedHashSet<>(rule.channels());
        AlertRule.Escalation chain = rules.escalation(tenantId, rule);
        for (int level = 1; level <= a.escalationLevel() && chain != null; level++) {
            AlertRule.Escalation e = chain.level(level);
            if (e != null) {
                channels.addAll(e.channels());
            }
        }
        return List.copyOf(channels);
    }

    private Alert move(Caller caller, Alert cur, String status, String action) {
        UUID tenantId = caller.tenantId();
        Instant now = Times.now(clock);
        Alert next = new Alert(cur.id(), cur.ruleId(), cur.kind(), cur.dedupeKey(), cur.deviceId(), cur.severity(),
                status, cur.summary(), cur.openedAt(), status.equals(Alert.ACKNOWLEDGED) ? now : cur.acknowledgedAt(),
                status.equals(Alert.RESOLVED) ? now : null, cur.escalatedAt(), cur.escalationLevel(), null,
                cur.version() + 1);
        if (!alerts.update(tenantId, next, cur.version())) {
            throw new ApiException(ErrorCode.CONFLICT, "alert changed concurrently; read it again");
        }
        alerts.transition(tenantId, cur.id(), status, caller.actor(), now);
        List<UUID> channels = rules.find(tenantId, cur.ruleId()).map(r -> audience(tenantId, r, cur)).orElse(List.of());
        notifications.queue(tenantId, cur.id(), channels, action, now.toEpochMilli());
        for (NotificationRepository.Recipient r : notifications.recipients(tenantId, cur.id())) {
            if (r.channelId() == null || !channels.contains(r.channelId())) {
                notifications.queueTo(tenantId, cur.id(), r, action, now.toEpochMilli());
            }
        }
        audit.record(tenantId, caller, "alert." + action, "alert", cur.id().toString(), null);
        return next;
    }
}
