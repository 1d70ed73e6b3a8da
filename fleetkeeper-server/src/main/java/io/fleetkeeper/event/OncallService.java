package io.fleetkeeper.event;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.event.internal.AlertRuleRepository;
import io.fleetkeeper.event.internal.ChannelRepository;
import io.fleetkeeper.event.internal.EscalationPolicyRepository;
import io.fleetkeeper.event.internal.Mailer;
import io.fleetkeeper.event.internal.OncallRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * On-call schedules: create, read, list, change (JSON Merge Patch, If-Match), delete; overrides; who is on call at
 * an instant.
 */
@Service
public class OncallService {

    private static final Set<String> WRITABLE = Set.of("name", "time_zone", "rotation", "quiet_hours");
    private static final Pattern NO_CONTROL = Pattern.compile("[^\\p{Cntrl}]*");
    private static final int MAX_MEMBERS = 50;
    private static final int MAX_LENGTH_DAYS = 365;
    private static final int MAX_OVERRIDES = 100;
    private static final Duration MAX_OVERRIDE = Duration.ofDays(366);
    private static final Instant FOREVER = Instant.ofEpochMilli(Long.MAX_VALUE);

    private static final int MAX_MEMBER_CHANNELS = 5;

    private final OncallRepository schedules;
    private final AlertRuleRepository rules;
    private final ChannelRepository channels;
    private final EscalationPolicyRepository policies;
    private final AuditService audit;
    private final JsonMapper json;
    private final Clock clock;

    OncallService(OncallRepository schedules, AlertRuleRepository rules, ChannelRepository channels,
            EscalationPolicyRepository policies, AuditService audit, JsonMapper json, Clock clock) {
        this.policies = policies;
        this.schedules = schedules;
        this.rules = rules;
        this.channels = channels;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    @Transactional
    public OncallSchedule create(Caller caller, OncallSchedule.Fields in) {
        UUID tenantId = caller.tenantId();
        check(tenantId, in);
        Instant now = Times.now(clock);
        OncallSchedule s = new OncallSchedule(Ids.newId(clock), in.name(), in.timeZone(), in.rotation(),
                in.quietHours(), now, now, 1);
        checkName(tenantId, s);
        try {
            schedules.insert(tenantId, s);
        } catch (DuplicateKeyException e) {
            throw nameTaken(s.name());
        }
        audit.recordDetails(tenantId, caller, "oncall_schedule.create", "oncall_schedule", s.id().toString(),
                Map.of("name", s.name()));
        return s;
    }

    public OncallSchedule get(UUID tenantId, UUID id) {
        return schedules.find(tenantId, id).orElseThrow(() -> ApiException.notFound("on-call schedule"));
    }

    public Page<OncallSchedule> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "oncall_schedule");
        UUID after = c == null ? null : Ids.parseOrNull(c.id());
        if (c != null && after == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
        }
        return Page.of(schedules.list(tenantId, after, limit + 1), limit,
                s -> new Cursor("oncall_schedule", null, s.id().toString()));
    }

    @Transactional
    public OncallSchedule update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch.of(patch, WRITABLE);
        OncallSchedule cur = current(tenantId, id, expectedVersion);
        ObjectNode merged = json.valueToTree(new OncallSchedule.Fields(cur.name(), cur.timeZone(), cur.rotation(),
                cur.quietHours()));
        patch.properties().forEach(m -> merged.set(m.getKey(), m.getValue()));
        OncallSchedule.Fields in = read(merged, OncallSchedule.Fields.class);
        check(tenantId, in);
        OncallSchedule next = new OncallSchedule(id, in.name(), in.timeZone(), in.rotation(), in.quietHours(),
                cur.createdAt(), Times.now(clock), cur.version() + 1);
        checkName(tenantId, next);
        if (!schedules.update(tenantId, next, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "schedule changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "oncall_schedule.update", "oncall_schedule", id.toString(),
                json.writeValueAsString(patch));
        return next;
    }

    /** Deletes a schedule no alert rule escalates to, with its overrides. */
    @Transactional
    public void delete(Caller caller, UUID id, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        OncallSchedule cur = current(tenantId, id, expectedVersion);
        if (rules.usesSchedule(tenantId, id)) {
            throw new ApiException(ErrorCode.IN_USE, "an alert rule escalates to this schedule; change the rule first");
        }
        if (policies.uses(tenantId, id)) {
            throw new ApiException(ErrorCode.IN_USE,
                    "an escalation policy escalates to this schedule; change the policy first");
        }
        if (!schedules.delete(tenantId, id, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "schedule changed concurrently; read it again");
        }
        audit.recordDetails(tenantId, caller, "oncall_schedule.delete", "oncall_schedule", id.toString(),
                Map.of("name", cur.name()));
    }

    /** Who is on call at {@code at} (now when null). */
    public OncallSchedule.OnCall onCall(UUID tenantId, UUID id, @Nullable Instant at) {
        OncallSchedule s = get(tenantId, id);
        Instant when = at == null ? Times.now(clock) : at;
        Duration span = Duration.ofDays(s.rotation().lengthDays());
        return s.onCall(when, schedules.overrides(tenantId, id, when.minus(span), when.plus(span), MAX_OVERRIDES));
    }

    /** The overrides of a schedule that have not ended, by start. */
    public List<OncallSchedule.OncallOverride> overrides(UUID tenantId, UUID id) {
        get(tenantId, id);
        return schedules.overrides(tenantId, id, Times.now(clock), FOREVER, MAX_OVERRIDES);
    }

    @Transactional
    public OncallSchedule.OncallOverride addOverride(Caller caller, UUID id, OncallSchedule.OverrideFields in) {
        UUID tenantId = caller.tenantId();
        get(tenantId, id);
        Violations v = new Violations();
        checkMember(v, tenantId, "", in.name(), in.email(), in.channels());
        v.required("starts_at", in.startsAt()).required("ends_at", in.endsAt());
        Instant now = Times.now(clock);
        if (in.startsAt() != null && in.endsAt() != null) {
            if (!in.endsAt().isAfter(in.startsAt())) {
                v.add("ends_at", "must be after starts_at");
            } else if (Duration.between(in.startsAt(), in.endsAt()).compareTo(MAX_OVERRIDE) > 0) {
                v.add("ends_at", "at most 366 days after starts_at");
            } else if (!in.endsAt().isAfter(now)) {
                v.add("ends_at", "must be in the future");
            } else {
                List<OncallSchedule.OncallOverride> clash = schedules.overrides(tenantId, id, in.startsAt(), in.endsAt(), 1);
                if (!clash.isEmpty()) {
                    v.add("starts_at", "overlaps override " + clash.getFirst().id());
                }
            }
        }
        v.throwIfAny();
        if (schedules.overrides(tenantId, id, now, FOREVER, MAX_OVERRIDES).size() >= MAX_OVERRIDES) {
            throw new ApiException(ErrorCode.CONFLICT, "a schedule has at most " + MAX_OVERRIDES
                    + " overrides that have not ended; delete some first");
        }
        OncallSchedule.OncallOverride o = new OncallSchedule.OncallOverride(Ids.newId(clock),
                new OncallSchedule.OncallMember(in.name(), in.email(), in.channels()), in.startsAt(), in.endsAt(), now);
        schedules.insertOverride(tenantId, id, o);
        audit.recordDetails(tenantId, caller, "oncall_schedule.override", "oncall_schedule", id.toString(),
                Map.of("override_id", o.id().toString(), "starts_at", o.startsAt().toString(),
                        "ends_at", o.endsAt().toString()));
        return o;
    }

    @Transactional
    public void deleteOverride(Caller caller, UUID id, UUID overrideId) {
        UUID tenantId = caller.tenantId();
        get(tenantId, id);
        if (!schedules.deleteOverride(tenantId, id, overrideId)) {
            throw ApiException.notFound("override");
        }
        audit.recordDetails(tenantId, caller, "oncall_schedule.override_delete", "oncall_schedule", id.toString(),
                Map.of("override_id", overrideId.toString()));
    }

    /** Reads a request body; a member of the wrong JSON type is a field error. */
    public <T> T read(JsonNode body, Class<T> type) {
        try {
            return json.treeToValue(body, type);
        } catch (JacksonException e) {
            String field = e.getPath().stream().map(JacksonException.Reference::getPropertyName)
                    .filter(java.util.Objects::nonNull).reduce((x, y) -> x + "." + y).orElse("body");
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "a field has the wrong type or format",
                    List.of(new ApiException.FieldError(field, "has the wrong type or format")));
        }
    }

    private void check(UUID tenantId, OncallSchedule.Fields in) {
        Violations v = new Violations();
        v.required("name", in.name()).maxLength("name", in.name(), 100)
                .pattern("name", in.name(), NO_CONTROL, "free of control characters");
        if (in.timeZone() == null || !validZone(in.timeZone())) {
            v.add("time_zone", "must be an IANA time zone such as Europe/Berlin");
        }
        OncallSchedule.OncallRotation r = in.rotation();
        if (r == null) {
            v.add("rotation", "is required: {start, length_days, members}");
        } else {
            v.required("rotation.start", r.start());
            if (r.lengthDays() < 1 || r.lengthDays() > MAX_LENGTH_DAYS) {
                v.add("rotation.length_days", "1 to " + MAX_LENGTH_DAYS);
            }
            if (r.members() == null || r.members().isEmpty() || r.members().size() > MAX_MEMBERS) {
                v.add("rotation.members", "1 to " + MAX_MEMBERS + " members {name, email}");
            } else {
                for (OncallSchedule.OncallMember m : r.members()) {
                    if (m == null) {
                        v.add("rotation.members", "must not contain null");
                        break;
                    }
                    checkMember(v, tenantId, "rotation.members.", m.name(), m.email(), m.channels());
                }
            }
        }
        checkQuietHours(v, in.quietHours());
        v.throwIfAny();
    }

    private void checkMember(Violations v, UUID tenantId, String prefix, String name, String email,
            @Nullable List<UUID> contact) {
        v.required(prefix + "name", name).maxLength(prefix + "name", name, 100)
                .pattern(prefix + "name", name, NO_CONTROL, "free of control characters");
        if (!Mailer.valid(email)) {
            v.add(prefix + "email", "must be one e-mail address");
        }
        if (contact == null) {
            return;
        }
        if (contact.size() > MAX_MEMBER_CHANNELS) {
            v.add(prefix + "channels", "at most " + MAX_MEMBER_CHANNELS + " notification channel ids");
        } else if (contact.stream().anyMatch(c -> c == null || channels.find(tenantId, c).isEmpty())) {
            v.add(prefix + "channels", "names a notification channel that does not exist");
        } else if (contact.stream().distinct().count() < contact.size()) {
            v.add(prefix + "channels", "names a channel twice");
        }
    }

    /** Quiet hours need two different local times. */
    static void checkQuietHours(Violations v, @Nullable OncallSchedule.QuietHours q) {
        if (q != null && (q.from() == null || q.to() == null || q.from().equals(q.to()))) {
            v.add("quiet_hours", "needs from and to, two different local times (HH:MM)");
        }
    }

    static boolean validZone(String zone) {
        try {
            return ZoneId.of(zone).getId().contains("/") || zone.equals("UTC");
        } catch (DateTimeException e) {
            return false;
        }
    }

    private OncallSchedule current(UUID tenantId, UUID id, Long expectedVersion) {
        OncallSchedule cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "schedule has changed; its current ETag is \"" + cur.version() + "\"");
        }
        return cur;
    }

    private void checkName(UUID tenantId, OncallSchedule s) {
        if (schedules.nameTaken(tenantId, s.name(), s.id())) {
            throw nameTaken(s.name());
        }
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "an on-call schedule named '" + name + "' exists",
                List.of(new ApiException.FieldError("name", "is already used by another schedule")));
    }
}
