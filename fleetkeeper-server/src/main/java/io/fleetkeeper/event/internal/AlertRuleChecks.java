package io.fleetkeeper.event.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.event.AlertRule;
import io.fleetkeeper.fleet.FleetQuery;
import io.fleetkeeper.web.Violations;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads and checks the fields of an alert rule; every problem is a field error. */
@Component
public class AlertRuleChecks {

    public static final Set<String> KINDS = Set.of(AlertRule.DEVICE_OFFLINE, AlertRule.CERTIFICATE,
            AlertRule.JOB_FAILED, AlertRule.TELEMETRY_THRESHOLD, AlertRule.PROVISIONING_FAILURES);
    private static final int MAX_RATE_COUNT = 100_000;
    private static final int MAX_RATE_WINDOW = 24 * 60;
    private static final Set<String> OPERATORS = Set.of(">", ">=", "<", "<=");
    private static final Pattern METRIC = Pattern.compile("[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64})?");
    private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_FOR_MINUTES = 24 * 60;
    public static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
    private static final Pattern NO_CONTROL = Pattern.compile("[^\\p{Cntrl}]*");
    private static final Pattern DEDUPE = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final int MAX_OFFLINE_MINUTES = 7 * 24 * 60;
    private static final int MAX_CHANNELS = 10;

    private static final int MAX_LEVELS = 5;

    private final ChannelRepository channels;
    private final OncallRepository schedules;
    private final EscalationPolicyRepository policies;
    private final JsonMapper json;

    AlertRuleChecks(ChannelRepository channels, OncallRepository schedules, EscalationPolicyRepository policies,
            JsonMapper json) {
        this.channels = channels;
        this.policies = policies;
        this.schedules = schedules;
        this.json = json;
    }

    /** Reads merged rule fields; a member of the wrong JSON type is a field error. */
    public AlertRule.Fields read(JsonNode fields) {
        try {
            return json.treeToValue(fields, AlertRule.Fields.class);
        } catch (JacksonException e) {
            String field = e.getPath().stream().map(JacksonException.Reference::getPropertyName)
                    .filter(java.util.Objects::nonNull).findFirst().orElse("body");
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "a field has the wrong type",
                    List.of(new ApiException.FieldError(field, "has the wrong type")));
        }
    }

    public void check(UUID tenantId, AlertRule.Fields in) {
        Violations v = new Violations();
        v.required("name", in.name()).maxLength("name", in.name(), 128)
                .pattern("name", in.name(), NO_CONTROL, "free of control characters");
        if (in.kind() == null || !KINDS.contains(in.kind())) {
            v.add("kind", "must be device_offline, certificate, job_failed, telemetry_threshold or "
                    + "provisioning_failures");
        } else if (in.kind().equals(AlertRule.DEVICE_OFFLINE)) {
            if (in.offlineMinutes() == null || in.offlineMinutes() < 1 || in.offlineMinutes() > MAX_OFFLINE_MINUTES) {
                v.add("offline_minutes", "is required for device_offline, 1 to " + MAX_OFFLINE_MINUTES);
            }
        } else if (in.offlineMinutes() != null) {
            v.add("offline_minutes", "applies to device_offline rules only");
        }
        if (AlertRule.TELEMETRY_THRESHOLD.equals(in.kind())) {
            checkThreshold(v, in.threshold());
        } else if (in.threshold() != null) {
            v.add("threshold", "applies to telemetry_threshold rules only");
        }
        if (AlertRule.PROVISIONING_FAILURES.equals(in.kind())) {
            AlertRule.Rate r = in.rate();
            if (r == null) {
                v.add("rate", "is required: {count, window_minutes}");
            } else {
                if (r.count() == null || r.count() < 1 || r.count() > MAX_RATE_COUNT) {
                    v.add("rate.count", "1 to " + MAX_RATE_COUNT);
                }
                if (r.windowMinutes() == null || r.windowMinutes() < 1 || r.windowMinutes() > MAX_RATE_WINDOW) {
                    v.add("rate.window_minutes", "1 to " + MAX_RATE_WINDOW);
                }
            }
        } else if (in.rate() != null) {
            v.add("rate", "applies to provisioning_failures rules only");
        }
        if (in.scope() != null && !in.scope().isBlank()) {
            v.maxLength("scope", in.scope(), 4096);
            if (AlertRule.JOB_FAILED.equals(in.kind())) {
                v.add("scope", "does not apply to job_failed rules (jobs have no single device)");
            }
            if (AlertRule.PROVISIONING_FAILURES.equals(in.kind())) {
                v.add("scope", "does not apply to provisioning_failures rules (a refused attempt may name no device)");
            }
            try {
                FleetQuery.parse(in.scope());
            } catch (ApiException e) {
                v.add("scope", e.getMessage());
            }
        }
        if (in.severity() == null || !SEVERITIES.contains(in.severity())) {
            v.add("severity", "must be critical, warning or info");
        }
        if (in.channels() != null) {
            if (in.channels().size() > MAX_CHANNELS) {
                v.add("channels", "at most " + MAX_CHANNELS);
            }
            for (UUID c : in.channels()) {
                if (c == null || channels.find(tenantId, c).isEmpty()) {
                    v.add("channels", "names a notification channel that does not exist: " + c);
                    break;
                }
            }
        }
        checkEscalation(v, tenantId, "escalation", in.escalation());
        if (in.escalationPolicyId() != null) {
            if (in.escalation() != null) {
                v.add("escalation_policy_id", "a rule has an inline escalation or an escalation policy, not both");
            } else if (policies.find(tenantId, in.escalationPolicyId()).isEmpty()) {
                v.add("escalation_policy_id", "names an escalation policy that does not exist");
            }
        }
        if (in.dedupeKey() != null) {
            v.pattern("dedupe_key", in.dedupeKey(), DEDUPE, "1 to 100 of A-Z a-z 0-9 . _ : -");
        }
        v.throwIfAny();
    }

    /** Checks an escalation chain (null: none) whose first level is {@code field}. */
    public void checkEscalation(Violations v, UUID tenantId, String field, AlertRule.Escalation chain) {
        int level = 0;
        for (AlertRule.Escalation e = chain; e != null; e = e.next(), field += ".next") {
            if (++level > MAX_LEVELS) {
                v.add(field, "at most " + MAX_LEVELS + " escalation levels");
                break;
            }
            checkLevel(v, tenantId, field, e);
        }
    }

    private static void checkThreshold(Violations v, AlertRule.Threshold t) {
        if (t == null) {
            v.add("threshold", "is required: {metric, operator, value, for_minutes}");
            return;
        }
        if (t.metric() == null || !METRIC.matcher(t.metric()).matches()) {
            v.add("threshold.metric", "a metric name (1 to 64 of A-Z a-z 0-9 _ -, or outer.inner)");
        }
        v.pattern("threshold.stream", t.stream(), STREAM, "a stream name, 1 to 64 of A-Z a-z 0-9 _ -");
        if (t.operator() == null || !OPERATORS.contains(t.operator())) {
            v.add("threshold.operator", "must be >, >=, < or <=");
        }
        if (t.value() == null || t.value().isNaN() || t.value().isInfinite()) {
            v.add("threshold.value", "is required, a finite number");
        }
        if (t.forMinutes() != null && (t.forMinutes() < 0 || t.forMinutes() > MAX_FOR_MINUTES)) {
            v.add("threshold.for_minutes", "0 to " + MAX_FOR_MINUTES);
        }
    }

    private void checkLevel(Violations v, UUID tenantId, String field, AlertRule.Escalation e) {
        Integer after = e.afterMinutes();
        if (after == null || after < 1 || after > MAX_OFFLINE_MINUTES) {
            v.add(field + ".after_minutes", "is required, 1 to " + MAX_OFFLINE_MINUTES);
        }
        List<UUID> level = e.channels() == null ? List.of() : e.channels();
        if (level.isEmpty() && e.scheduleId() == null) {
            v.add(field, "needs channels, a schedule_id, or both");
        } else if (level.size() > MAX_CHANNELS) {
            v.add(field + ".channels", "at most " + MAX_CHANNELS + " notification channel ids");
        } else if (level.stream().anyMatch(c -> c == null || channels.find(tenantId, c).isEmpty())) {
            v.add(field + ".channels", "names a notification channel that does not exist");
        }
        if (e.scheduleId() != null && schedules.find(tenantId, e.scheduleId()).isEmpty()) {
            v.add(field + ".schedule_id", "names an on-call schedule that does not exist");
        }
    }
}
