package io.fleetkeeper.job.internal;

import io.fleetkeeper.command.CommandProperties;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.command.NewCommand;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.JobOperation;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.job.NewJob.AbortCriterion;
import io.fleetkeeper.job.NewJob.Exponential;
import io.fleetkeeper.job.NewJob.Operation;
import io.fleetkeeper.job.NewJob.RetryCriterion;
import io.fleetkeeper.job.NewJob.Rollout;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.web.Violations;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks a new job's spec and fills in its defaults ({@link #normalize}); reads stored specs back, cached per
 * job (a spec never changes). The target's existence is the service's concern.
 */
@Component
public class JobSpecs {

    public static final Set<String> OPERATIONS = Set.of("command", "shadow", "metadata", "suspend", "resume",
            "renew_certificate", "rotate_certificate", "upgrade_template");
    /** The command a {@code renew_certificate} job sends. */
    public static final String RENEW_COMMAND = "certificate.renew";
    public static final long MAX_RATE = 1_000_000;
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");
    private static final Set<String> ABORT_TYPES = Set.of("FAILED", "REJECTED", "TIMED_OUT", "ALL");
    private static final Set<String> RETRY_TYPES = Set.of("FAILED", "TIMED_OUT", "ALL");

    private final CommandService commands;
    private final CommandProperties commandProperties;
    private final JsonMapper json;
    private final Map<UUID, NewJob> cache = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<UUID, NewJob> eldest) {
                    return size() > 1000;
                }
            });

    private final Map<String, JobOperation> external = new java.util.HashMap<>();

    JobSpecs(CommandService commands, CommandProperties commandProperties, JsonMapper json,
            List<JobOperation> externalOperations) {
        externalOperations.forEach(o -> external.put(o.type(), o));
        this.commands = commands;
        this.commandProperties = commandProperties;
        this.json = json;
    }

    /** The feature's handler of an operation type run for another feature; null for the engine's own types. */
    public JobOperation external(String type) {
        return external.get(type);
    }

    /** The spec with defaults filled in, or 400 VALIDATION_FAILED listing every bad field. */
    public NewJob normalize(NewJob in) {
        return normalize(in, false);
    }

    /** As {@link #normalize(NewJob)}; {@code allowExternal}: another feature's operation types are accepted. */
    public NewJob normalize(NewJob in, boolean allowExternal) {
        Violations v = new Violations();
        v.maxLength("name", in.name(), 128).maxLength("description", in.description(), 1024);
        if (in.idempotencyKey() != null && !KEY.matcher(in.idempotencyKey()).matches()) {
            v.add("idempotency_key", "must be 1 to 128 printable ASCII characters");
        }
        if (in.target() == null || (in.target().groupId() == null) == (in.target().query() == null)) {
            v.add("target", "needs exactly one of group_id and query");
        } else if (in.target().groupId() != null && Ids.parseOrNull(in.target().groupId()) == null) {
            v.add("target.group_id", "must be a group id (UUID)");
        }
        String targeting = in.targeting() == null ? "snapshot" : in.targeting();
        if (!targeting.equals("snapshot") && !targeting.equals("continuous")) {
            v.add("targeting", "must be snapshot or continuous");
        }
        long timeout = in.timeoutSeconds() == null ? commandProperties.defaultTtlSeconds() : in.timeoutSeconds();
        if (timeout < 1 || timeout > commandProperties.maxTtlSeconds()) {
            v.add("timeout_seconds", "must be between 1 and " + commandProperties.maxTtlSeconds());
        }
        if (allowExternal && in.operation() != null && external.containsKey(in.operation().type())) {
            // another feature's operation: it checked its own parameters
        } else {
            operation(in.operation(), v);
        }
        Rollout rollout = rollout(in.rollout(), v);
        List<AbortCriterion> abort = in.abort() == null ? List.of() : in.abort();
        if (abort.size() > 5) {
            v.add("abort", "holds at most 5 criteria");
        }
        for (int i = 0; i < abort.size(); i++) {
            AbortCriterion a = abort.get(i);
            String f = "abort[" + i + "]";
            if (a == null || a.failureType() == null || !ABORT_TYPES.contains(a.failureType())) {
                v.add(f + ".failure_type", "must be FAILED, REJECTED, TIMED_OUT or ALL");
            }
            if (a != null && (a.minExecuted() == null || a.minExecuted() < 1)) {
                v.add(f + ".min_executed", "must be at least 1");
            }
            if (a != null && (a.thresholdPercent() == null || !(a.thresholdPercent() > 0)
                    || a.thresholdPercent() > 100)) {
                v.add(f + ".threshold_percent", "must be above 0 and at most 100");
            }
        }
        List<RetryCriterion> retries = in.retries() == null ? List.of() : in.retries();
        if (retries.size() > 2) {
            v.add("retries", "holds at most 2 criteria");
        }
        for (int i = 0; i < retries.size(); i++) {
            RetryCriterion r = retries.get(i);
            if (r == null || r.failureType() == null || !RETRY_TYPES.contains(r.failureType())) {
                v.add("retries[" + i + "].failure_type", "must be FAILED, TIMED_OUT or ALL");
            }
            if (r != null && (r.maxRetries() == null || r.maxRetries() < 0 || r.maxRetries() > 10)) {
                v.add("retries[" + i + "].max_retries", "must be between 0 and 10");
            }
        }
        v.throwIfAny();
        Operation op = in.operation();
        if (op.type().equals("command")) {
            commands.check(new NewCommand(op.name(), op.payload(), timeout, null));
        }
        if (op.type().equals("shadow")) {
            ShadowService.name(op.shadow());
        }
        if (rollout != null && rollout.waves() != null && !rollout.waves().isEmpty() && targeting.equals("continuous")) {
            throw new io.fleetkeeper.api.ApiException(io.fleetkeeper.api.ErrorCode.VALIDATION_FAILED,
                    "rollout.waves: a continuous job has no fixed size to stage; use snapshot targeting");
        }
        return new NewJob(in.name(), in.description(), in.target(), targeting, op, rollout, abort, timeout, retries,
                in.idempotencyKey(), in.startAt());
    }

    private static void operation(Operation op, Violations v) {
        if (op == null || op.type() == null || !OPERATIONS.contains(op.type())) {
            v.add("operation.type", "must be one of command, shadow, metadata, suspend, resume, renew_certificate, "
                    + "rotate_certificate, upgrade_template");
            return;
        }
        boolean command = op.type().equals("command");
        boolean shadow = op.type().equals("shadow");
        boolean metadata = op.type().equals("metadata");
        if (command) {
            v.required("operation.name", op.name());
        }
        if (shadow && (op.desired() == null || !op.desired().isObject() || op.desired().isEmpty())) {
            v.add("operation.desired", "must be a non-empty JSON object");
        }
        if (metadata) {
            if (op.patch() == null || !op.patch().isObject() || op.patch().isEmpty()) {
                v.add("operation.patch", "must be a non-empty JSON object of metadata keys");
            } else {
                for (Map.Entry<String, JsonNode> e : op.patch().properties()) {
                    if (!e.getValue().isString() && !e.getValue().isNull()) {
                        v.add("operation.patch." + e.getKey(), "must be a string, or null to delete the key");
                    }
                }
            }
        }
        unexpected(v, "operation.name", op.name(), command);
        unexpected(v, "operation.payload", op.payload(), command);
        unexpected(v, "operation.desired", op.desired(), shadow);
        unexpected(v, "operation.shadow", op.shadow(), shadow);
        unexpected(v, "operation.patch", op.patch(), metadata);
        boolean upgrade = op.type().equals("upgrade_template");
        unexpected(v, "operation.template_version", op.templateVersion(), upgrade);
        if (upgrade && op.templateVersion() != null && op.templateVersion() < 1) {
            v.add("operation.template_version", "must be a template version (1 or more)");
        }
    }

    private static void unexpected(Violations v, String field, Object value, boolean allowed) {
        if (!allowed && value != null && !(value instanceof JsonNode n && n.isNull())) {
            v.add(field, "does not apply to this operation type");
        }
    }

    private static Rollout rollout(Rollout r, Violations v) {
        if (r == null) {
            return null;
        }
        Long max = r.maxPerMinute();
        if (max != null && (max < 1 || max > MAX_RATE)) {
            v.add("rollout.max_per_minute", "must be between 1 and " + MAX_RATE);
        }
        Exponential e = r.exponential();
        if (e != null) {
            if (e.basePerMinute() == null || e.basePerMinute() < 1 || e.basePerMinute() > MAX_RATE
                    || max != null && e.basePerMinute() > max) {
                v.add("rollout.exponential.base_per_minute", "must be between 1 and max_per_minute");
            }
            if (e.incrementFactor() == null || e.incrementFactor() < 1.1 || e.incrementFactor() > 5) {
                v.add("rollout.exponential.increment_factor", "must be between 1.1 and 5");
            }
            var every = e.increaseEvery();
            if (every == null || (every.notified() == null) == (every.succeeded() == null)
                    || (every.notified() != null && every.notified() < 1)
                    || (every.succeeded() != null && every.succeeded() < 1)) {
                v.add("rollout.exponential.increase_every", "needs exactly one of notified and succeeded, at least 1");
            }
        }
        List<NewJob.Wave> waves = r.waves();
        if (waves != null) {
            if (waves.size() > 20) {
                v.add("rollout.waves", "holds at most 20 waves");
            }
            for (int i = 0; i < waves.size(); i++) {
                NewJob.Wave w = waves.get(i);
                String f = "rollout.waves[" + i + "]";
                if (w == null || (w.percent() == null) == (w.count() == null)) {
                    v.add(f, "needs exactly one of percent and count");
                    continue;
                }
                if (w.percent() != null && (!(w.percent() > 0) || w.percent() > 100)) {
                    v.add(f + ".percent", "must be above 0 and at most 100");
                }
                if (w.count() != null && w.count() < 1) {
                    v.add(f + ".count", "must be at least 1");
                }
                percent(v, f + ".success_threshold", w.successThreshold());
                percent(v, f + ".error_threshold", w.errorThreshold());
                if (w.soakSeconds() != null && (w.soakSeconds() < 0 || w.soakSeconds() > 30L * 86_400)) {
                    v.add(f + ".soak_seconds", "must be between 0 and 2592000 (30 days)");
                }
            }
        }
        NewJob.MaintenanceWindow m = r.maintenanceWindow();
        if (m != null) {
            for (String field : new String[] {"from", "to"}) {
                String value = field.equals("from") ? m.from() : m.to();
                try {
                    if (value == null || !value.matches("\\d\\d:\\d\\d")) {
                        throw new java.time.format.DateTimeParseException("", "", 0);
                    }
                    java.time.LocalTime.parse(value);
                } catch (java.time.format.DateTimeParseException bad) {
                    v.add("rollout.maintenance_window." + field, "must be a time of day as HH:mm");
                }
            }
            if (m.timeZone() != null) {
                try {
                    java.time.ZoneId.of(m.timeZone());
                } catch (java.time.DateTimeException bad) {
                    v.add("rollout.maintenance_window.time_zone", "must be an IANA time zone such as Europe/Paris");
                }
            }
            if (m.days() != null) {
                for (String d : m.days()) {
                    if (d == null || !DAYS.contains(d)) {
                        v.add("rollout.maintenance_window.days", "must be days among MON, TUE, WED, THU, FRI, SAT, SUN");
                        break;
                    }
                }
            }
        }
        return r;
    }

    private static final Set<String> DAYS = Set.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN");

    private static void percent(Violations v, String field, Double value) {
        if (value != null && (!(value > 0) || value > 100)) {
            v.add(field, "must be above 0 and at most 100");
        }
    }

    /**
     * The number of executions the waves up to {@code index} hold together, for {@code targeted} devices
     * (percent waves round up); {@code Long.MAX_VALUE} past the last wave.
     */
    public static long waveCap(List<NewJob.Wave> waves, int index, long targeted) {
        if (index >= waves.size()) {
            return Long.MAX_VALUE;
        }
        long cap = 0;
        double percent = 0;
        for (int i = 0; i <= index; i++) {
            NewJob.Wave w = waves.get(i);
            if (w.count() != null) {
                cap += w.count();
            } else {
                percent += w.percent();
            }
        }
        return Math.min(targeted, cap + (long) Math.ceil(Math.min(100, percent) * targeted / 100 - 1e-9));
    }

    /** The rate a job starts with: the exponential base, else the maximum, else null (unlimited). */
    public static Long initialRate(NewJob spec) {
        Rollout r = spec.rollout();
        if (r == null) {
            return null;
        }
        return r.exponential() != null ? r.exponential().basePerMinute() : r.maxPerMinute();
    }

    /** Retries allowed for an execution that ended {@code outcome} (0 when no criterion covers it). */
    public static int maxRetries(NewJob spec, ExecutionStatus outcome) {
        int max = 0;
        for (RetryCriterion r : spec.retries()) {
            if (r.failureType().equals("ALL") && (outcome == ExecutionStatus.FAILED
                    || outcome == ExecutionStatus.TIMED_OUT) || r.failureType().equals(outcome.name())) {
                max = Math.max(max, r.maxRetries());
            }
        }
        return max;
    }

    public String write(NewJob spec) {
        return json.writeValueAsString(spec);
    }

    /** The stored spec of job {@code id}. */
    public NewJob read(UUID id, String spec) {
        return cache.computeIfAbsent(id, k -> json.readValue(spec, NewJob.class));
    }
}
