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
 * @param wave                  a staged rollout's current wave, from 1 (null: no waves; past the last: all waves
 *                              passed)
 * @param wavePassedAt          when the current wave reached its success threshold (null: not yet); the next
 *                              starts after its soak time
 */
public record JobProgress(long targeted, boolean targetingDone, Map<ExecutionStatus, Long> counts,
        double percentDone, Long estimatedSecondsLeft, Long currentRatePerMinute, Integer wave,
        java.time.Instant wavePassedAt) {
}
