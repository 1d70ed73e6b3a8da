package io.fleetkeeper.job;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A job to create ({@code POST /api/v1/jobs}); the README's "Jobs" section documents every field. Stored, with
 * defaults filled in, as the job's unchanging spec.
 */
public record NewJob(String name, String description, Target target, String targeting, Operation operation,
        Rollout rollout, List<AbortCriterion> abort, Long timeoutSeconds, List<RetryCriterion> retries,
        String idempotencyKey) {

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

    /** Most starts per minute (null: unlimited), optionally ramped up exponentially. */
    public record Rollout(Long maxPerMinute, Exponential exponential) {
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
