package io.fleetkeeper.ota.internal;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.JobOperation;
import io.fleetkeeper.job.JobService;
import io.fleetkeeper.ota.Firmware;
import io.fleetkeeper.ota.FirmwareService;
import io.fleetkeeper.ota.OtaAction;
import io.fleetkeeper.ota.internal.CampaignRepository.JobCampaign;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job engine's {@code ota} operation: each device the engine starts is offered the campaign's firmware (a
 * QUEUED action its next poll sees, and its manifest on MQTT), or SKIPPED with the reason when it does not fit (its device type is not
 * among the firmware's, or it already reports the version and the campaign skips current devices), which ends
 * its execution CANCELED. Executions the engine ends itself end the device's open action the same way.
 */
@Component
public class CampaignRollout implements JobOperation {

    public static final String TYPE = "ota";

    private final CampaignRepository campaigns;
    // Providers, not the services: both depend on this class (a cycle resolved on first use).
    private final ObjectProvider<FirmwareService> firmware;
    private final DeviceService devices;
    private final ObjectProvider<JobService> jobs;
    private final JsonMapper json;
    private final OtaTopics topics;

    CampaignRollout(CampaignRepository campaigns, ObjectProvider<FirmwareService> firmware, DeviceService devices,
            ObjectProvider<JobService> jobs, JsonMapper json, OtaTopics topics) {
        this.topics = topics;
        this.campaigns = campaigns;
        this.firmware = firmware;
        this.devices = devices;
        this.jobs = jobs;
        this.json = json;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void start(UUID tenantId, UUID jobId, List<UUID> deviceIds, long now) {
        JobCampaign c = campaigns.byJob(tenantId, jobId).orElse(null);
        if (c == null) { // the campaign's transaction has not committed (cannot happen: one transaction) or gone
            deviceIds.forEach(d -> jobs.getObject().endExecution(tenantId, jobId, d, ExecutionStatus.CANCELED,
                    Map.of("detail", "no campaign")));
            return;
        }
        Firmware f = firmware.getObject().get(tenantId, c.firmwareId());
        boolean skipCurrent = c.spec() == null || json.readTree(c.spec()).path("skip_if_current").asBoolean(true);
        for (UUID deviceId : deviceIds) {
            Device d = devices.get(tenantId, deviceId);
            String skip = null;
            if (!f.deviceTypes().isEmpty() && !f.deviceTypes().contains(d.deviceType())) {
                skip = "device type " + d.deviceType() + " is not among the firmware's " + f.deviceTypes();
            } else if (skipCurrent && f.version().equals(d.firmwareVersion())) {
                skip = "the device already runs version " + f.version();
            }
            if (skip == null) {
                campaigns.offer(tenantId, c.id(), deviceId, f.id(), OtaAction.QUEUED, null, now);
                topics.tell(tenantId, deviceId);
            } else {
                campaigns.offer(tenantId, c.id(), deviceId, f.id(), OtaAction.SKIPPED, skip, now);
                jobs.getObject().endExecution(tenantId, jobId, deviceId, ExecutionStatus.CANCELED,
                        Map.of("detail", "skipped: " + skip));
            }
        }
    }

    @Override
    public void ended(UUID tenantId, UUID jobId, UUID deviceId, ExecutionStatus status, boolean retried, long now) {
        campaigns.byJob(tenantId, jobId).ifPresent(c -> campaigns.endOpen(tenantId, c.id(), deviceId,
                status == ExecutionStatus.CANCELED ? OtaAction.CANCELED : OtaAction.TIMED_OUT,
                status == ExecutionStatus.CANCELED ? "the campaign was canceled"
                        : retried ? "no outcome in time; offered again" : "no outcome in time", now));
    }
}
