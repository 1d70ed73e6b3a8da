package io.fleetkeeper.job;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A job to create ({@code POST /api/v1/jobs}); the README's "Jobs" section documents every field. Stored, with
 * defaults filled in, as the job's unchanging spec.
 */
public record NewJob(String name, String description, Target target, String targeting, Operation operation,
        Rollout rollout, List<AbortCriterion> abort, Long timeoutSeconds, List<RetryCriterion> retries,
        String idempotencyKey, Instant startAt) {

    public NewJob(String name, String description, Target target, String targeting, Operation operation,
            Rollout rollout, List<AbortCriterion> abort, Long timeoutSeconds, List<RetryCriterion> retries,
            String idempotencyKey) {
        this(name, description, target, targeting, operation, rollout, abort, timeoutSeconds, retries,
                idempotencyKey, null);
    }

    /** Exactly one of a saved group ({@code group_id}) or a fleet query. */
    public record Target(String groupId, String query) {
    }

    /**
     * {@code type}: command ({@code name}, {@code payload}), shadow ({@code desired}, {@code shadow}), metadata
     * ({@code patch}), suspend, resume, renew_certificate, rotate_certificate (a successor for the identity slot,
     * delivered to the device and made primary when it confirms it), upgrade_template (to {@code template_version}
     * of each device's template, its latest when null).
     */
    public record Operation(String type, String name, JsonNode payload, JsonNode desired, String shadow,
            JsonNode patch, Integer templateVersion) {
    }

    /**
     * Most starts per minute (null: unlimited), optionally ramped up exponentially; optionally in waves (a staged
     * rollout) and only inside a maintenance window.
     */
    public record Rollout(Long maxPerMinute, Exponential exponential, List<Wave> waves,
            MaintenanceWindow maintenanceWindow) {
    }

    /**
     * One wave of a staged rollout: exactly one of {@code percent} (of the devices targeted) or {@code count};
     * sizes add up, devices past the last wave follow it once it passed. Thresholds are percents of the devices
     * in the waves so far (skipped and canceled ones aside): the next wave starts once all of this one started,
     * {@code success_threshold} (default 100) succeeded and {@code soak_seconds} (default 0) passed since;
     * failures (failed, rejected, timed out) reaching {@code error_threshold} abort the job.
     */
    public record Wave(Double percent, Long count, Double successThreshold, Double errorThreshold,
            Long soakSeconds) {
    }

    /**
     * When executions may start: on {@code days} (MON … SUN; every day when absent) from {@code from} to
     * {@code to} ({@code HH:mm}; a {@code to} at or before {@code from} ends the next day), in {@code time_zone}
     * (an IANA zone, UTC when absent).
     */
    public record MaintenanceWindow(List<String> days, String from, String to, String timeZone) {

        /** Whether {@code at} is inside the window. */
        public boolean open(Instant at) {
            ZonedDateTime t = at.atZone(timeZone == null ? ZoneId.of("UTC") : ZoneId.of(timeZone));
            LocalTime start = LocalTime.parse(from);
            LocalTime end = LocalTime.parse(to);
            LocalTime now = t.toLocalTime();
            if (start.isBefore(end)) {
                return day(t.getDayOfWeek()) && !now.isBefore(start) && now.isBefore(end);
            }
            // spans midnight: the evening part belongs to today, the morning part to yesterday's window
            return !now.isBefore(start) && day(t.getDayOfWeek()) || now.isBefore(end) && day(t.getDayOfWeek()
                    .minus(1));
        }

        /**
         * When the window next opens after {@code at} (its next {@code from} on one of its days), or {@code at}
         * itself while it is open.
         */
        public Instant nextOpen(Instant at) {
            if (open(at)) {
                return at;
            }
            ZoneId zone = timeZone == null ? ZoneId.of("UTC") : ZoneId.of(timeZone);
            LocalDate today = at.atZone(zone).toLocalDate();
            for (int i = 0; i <= 7; i++) {
                LocalDate d = today.plusDays(i);
                Instant start = d.atTime(LocalTime.parse(from)).atZone(zone).toInstant();
                if (start.isAfter(at) && day(d.getDayOfWeek())) {
                    return start;
                }
            }
            throw new IllegalStateException("a maintenance window without a day: " + days);
        }

        private boolean day(DayOfWeek d) {
            return days == null || days.isEmpty() || days.contains(d.name().substring(0, 3));
        }
    }

    public record Exponential(Long basePerMinute, Double incrementFactor, IncreaseEvery increaseEvery) {
    }

    /** Exactly one: raise the rate after this many more executions started, or succeeded. */
    public record IncreaseEvery(Long notified, Long succeeded) {
    }

    /** {@code failure_type}: FAILED, REJECTED, TIMED_OUT or ALL. */
    public record AbortCriterion(String failureType, Long minExecuted, Double thresholdPercent) {
    }

    /** {@code failure_type}: FAILED, TIMED_OUT or ALL. */
    public record RetryCriterion(String failureType, Integer maxRetries) {
    }
}
