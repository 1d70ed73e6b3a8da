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
 * @param download      how the device should download: {@code forced} (the default) or {@code attempt} (the device
 *                      may ask its user first), as hawkBit DDI's {@code deployment.download}
 * @param update        how the device should install: {@code forced} (the default), {@code attempt}, or {@code skip}
 *                      (download only: a device that reports the download has finished, DOWNLOADED)
 */
public record NewCampaign(UUID firmwareId, Target target, List<NewJob.Wave> waves, Long maxPerMinute,
        Instant startAt, NewJob.MaintenanceWindow maintenanceWindow, Boolean skipIfCurrent, Integer retries,
        Long timeoutSeconds, String download, String update) {

    public NewCampaign(UUID firmwareId, Target target) {
        this(firmwareId, target, null, null, null, null, null, null, null, null, null);
    }

    /** Exactly one of explicit device ids, a saved fleet group or a fleet query. */
    public record Target(List<UUID> deviceIds, UUID groupId, String query) {

        public Target(List<UUID> deviceIds) {
            this(deviceIds, null, null);
        }
    }
}
