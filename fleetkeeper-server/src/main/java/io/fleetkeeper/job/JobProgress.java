package io.fleetkeeper.job;

import java.util.Map;

/**
 * Where a job stands.
 *
 * @param targeted              executions created so far
 * @param targetingDone         whether the first pass over the target ended (a continuous job keeps adding)
 * @param counts                executions per state (every state, zeros included)
 * @param percentDone           final executions as a share of all, 0–100 (100 when there are none)
 * @param estimatedSecondsLeft  queued and in-progress executions over the recent start rate (null: unknown)
 * @param currentRatePerMinute  the rollout rate now (null: unlimited)
 */
public record JobProgress(long targeted, boolean targetingDone, Map<ExecutionStatus, Long> counts,
        double percentDone, Long estimatedSecondsLeft, Long currentRatePerMinute) {
}
