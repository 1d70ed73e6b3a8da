package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What opens an alert. {@code device_offline}: a device the {@code scope} fleet query selects was last seen more
 * than {@code offlineMinutes} ago (auto-resolved when it is seen again); {@code certificate}: a certificate of
 * such a device is expiring soon, expired or revoked; {@code job_failed}: a job was aborted;
 * {@code telemetry_threshold}: every value of a metric a device in scope sent in the last
 * {@code threshold.forMinutes} crossed {@code threshold.value} (auto-resolved when its latest value no longer
 * does); {@code provisioning_failures}: at least {@code rate.count} provisioning attempts of the tenant were refused
 * within {@code rate.windowMinutes} (subject: {@code provisioning}; auto-resolved when fewer fall in the window
 * that ends now). Each alert goes to
 * {@code channels}; its dedupe key is {@code dedupeKey:subject} (the device or the job), one open alert per key.
 * With an {@code escalation}, an alert still OPEN (not acknowledged) {@code afterMinutes} after it opened is sent to
 * the escalation's channels and to the person on call of its schedule too (level 2), and so are its later
 * transitions; its {@code next} level follows {@code afterMinutes} after that, and so on. Instead of an inline
 * {@code escalation} a rule may reference a shared {@link EscalationPolicy} by {@code escalationPolicyId}.
 */
public record AlertRule(UUID id, String name, String kind, @Nullable Integer offlineMinutes,
        @Nullable Threshold threshold, @Nullable Rate rate, @Nullable String scope, String severity, List<UUID> channels,
        @Nullable Escalation escalation, @Nullable UUID escalationPolicyId, String dedupeKey, boolean enabled,
        Instant createdAt, Instant updatedAt, long version) {

    public static final String DEVICE_OFFLINE = "device_offline";
    public static final String CERTIFICATE = "certificate";
    public static final String JOB_FAILED = "job_failed";
    public static final String TELEMETRY_THRESHOLD = "telemetry_threshold";
    public static final String PROVISIONING_FAILURES = "provisioning_failures";

    /** At least {@code count} events within {@code windowMinutes}. */
    public record Rate(@Nullable Integer count, @Nullable Integer windowMinutes) {
    }

    /**
     * A telemetry condition: {@code metric} (of {@code stream}, the default stream when null) compared by
     * {@code operator} ({@code >}, {@code >=}, {@code <}, {@code <=}) with {@code value}, held for
     * {@code forMinutes} (0: the latest value alone decides).
     */
    public record Threshold(@Nullable String metric, @Nullable String stream, @Nullable String operator,
            @Nullable Double value, @Nullable Integer forMinutes) {

        /** Whether {@code value} crosses the threshold (a value that is not a number never does). */
        public boolean crossed(Object sent) {
            if (!(sent instanceof Number n)) {
                return false;
            }
            double v = n.doubleValue();
            return switch (operator) {
                case ">" -> v > value;
                case ">=" -> v >= value;
                case "<" -> v < value;
                default -> v <= value;
            };
        }
    }

    /**
     * One escalation level: who hears of an alert not acknowledged within {@code afterMinutes} (of its opening for
     * the first level, of the level before for the others): {@code channels} and/or the person on call of
     * {@code scheduleId}; then {@code next}, if any.
     */
    public record Escalation(@Nullable Integer afterMinutes, @Nullable List<UUID> channels,
            @Nullable UUID scheduleId, @Nullable Escalation next) {

        public Escalation(Integer afterMinutes, List<UUID> channels) {
            this(afterMinutes, channels, null, null);
        }

        /** Level {@code n} of this chain (1 is this one), or null past its end. */
        public @Nullable Escalation level(int n) {
            Escalation e = this;
            for (int i = 1; i < n && e != null; i++) {
                e = e.next();
            }
            return n < 1 ? null : e;
        }
    }

    /** What a client sends (a PATCH is merged onto the current fields). */
    public record Fields(@Nullable String name, @Nullable String kind, @Nullable Integer offlineMinutes,
            @Nullable Threshold threshold, @Nullable Rate rate, @Nullable String scope, @Nullable String severity,
            @Nullable List<UUID> channels, @Nullable Escalation escalation, @Nullable UUID escalationPolicyId,
            @Nullable String dedupeKey, @Nullable Boolean enabled) {

        public Fields(String name, String kind, Integer offlineMinutes, String scope, String severity,
                List<UUID> channels, Escalation escalation, String dedupeKey, Boolean enabled) {
            this(name, kind, offlineMinutes, null, null, scope, severity, channels, escalation, null, dedupeKey,
                    enabled);
        }
    }
}
