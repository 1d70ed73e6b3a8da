package io.fleetkeeper.ota;

import io.fleetkeeper.job.NewJob;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /api/v1/campaigns}: the firmware and the devices that should install it, with the rollout rules of
 * a staged campaign. A target of explicit {@code device_ids} offers the update to all of them at once; a target
 * by {@code group_id} or fleet {@code query} runs on the job engine with {@code waves}, {@code max_per_minute},
 * {@code start_at}, {@code maintenance_window}, {@code retries} and {@code timeout_seconds} (see docs/api.md).
 *
 * @param skipIfCurrent devices already reporting the firmware's version are SKIPPED (default true)
 * @param retries       how many times a failed or timed-out device is offered the update again (default 0)
 */
public record NewCampaign(UUID firmwareId, Target target, List<NewJob.Wave> waves, Long maxPerMinute,
        Instant startAt, NewJob.MaintenanceWindow maintenanceWindow, Boolean skipIfCurrent, Integer retries,
        Long timeoutSeconds) {

    public NewCampaign(UUID firmwareId, Target target) {
        this(firmwareId, target, null, null, null, null, null, null, null);
    }

    /** Exactly one of explicit device ids, a saved fleet group or a fleet query. */
    public record Target(List<UUID> deviceIds, UUID groupId, String query) {

        public Target(List<UUID> deviceIds) {
            this(deviceIds, null, null);
        }
    }
}
