package io.fleetkeeper.ota;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.JobService;
import io.fleetkeeper.ota.internal.CampaignRepository;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The device's side of a campaign: the action a device is offered and its feedback. Feedback moves the action
 * PENDING → DOWNLOADING → INSTALLING → SUCCEEDED | FAILED | CANCELED; success writes the firmware's version into
 * the device record. The device's history gets {@code OTA-STARTED}, {@code OTA-SUCCEEDED} and
 * {@code OTA-FAILED}. A repeated final report is accepted without change (clients retry); any other report on a
 * finished action is refused with INVALID_TRANSITION.
 */
@Service
public class DeploymentService {

    /** What a device reports, reduced to what Fleetkeeper tracks. */
    public enum Report { STARTED, DOWNLOADED, SUCCEEDED, FAILED, CANCELED }

    private final CampaignRepository campaigns;
    private final FirmwareService firmware;
    private final DeviceService devices;
    private final AuditService audit;
    private final Clock clock;

    private final JobService jobs;

    DeploymentService(CampaignRepository campaigns, FirmwareService firmware, DeviceService devices,
            AuditService audit, Clock clock, JobService jobs) {
        this.jobs = jobs;
        this.campaigns = campaigns;
        this.firmware = firmware;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
    }

    /** The device's oldest unfinished action of a running campaign. */
    public Optional<OtaAction> next(UUID tenantId, UUID deviceId) {
        return campaigns.openAction(tenantId, deviceId);
    }

    /** One of the device's actions (finished ones too); 404 for any other id. */
    public OtaAction action(UUID tenantId, UUID deviceId, long actionId) {
        return campaigns.action(tenantId, deviceId, actionId).orElseThrow(() -> ApiException.notFound("action"));
    }

    public Firmware firmwareOf(UUID tenantId, OtaAction action) {
        return firmware.get(tenantId, action.firmwareId());
    }

    /** Applies a report to the device's action and answers the action as it is afterwards. */
    @Transactional
    public OtaAction report(UUID tenantId, UUID deviceId, long actionId, Report report, String detail) {
        OtaAction cur = action(tenantId, deviceId, actionId);
        String to = target(cur.status(), report);
        if (to.equals(cur.status())) {
            return cur;
        }
        if (!cur.open()) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "action " + actionId + " is " + cur.status());
        }
        String trimmed = detail == null ? null : detail.substring(0, Math.min(detail.length(), 1000));
        if (!campaigns.transition(tenantId, actionId, cur.status(), to, trimmed, clock.millis())) {
            throw new ApiException(ErrorCode.CONFLICT, "action " + actionId + " changed concurrently; report again");
        }
        Caller device = new Caller(tenantId, "device:" + deviceId, Role.OPERATOR);
        endExecution(tenantId, cur, to, trimmed);
        if (OtaAction.SUCCEEDED.equals(to)) {
            String version = firmwareOf(tenantId, cur).version();
            devices.patch(device, deviceId, JsonNodeFactory.instance.objectNode().put("firmware_version", version),
                    null);
        }
        String event = switch (to) {
            case OtaAction.DOWNLOADING -> "OTA-STARTED";
            case OtaAction.SUCCEEDED -> "OTA-SUCCEEDED";
            case OtaAction.FAILED -> "OTA-FAILED";
            default -> null;
        };
        if (event != null) {
            devices.recordEvent(tenantId, deviceId, event, device.actor(), "{\"action_id\":" + actionId
                    + ",\"campaign_id\":\"" + cur.campaignId() + "\"}");
        }
        audit.recordDetails(tenantId, device, "ota.action." + to.toLowerCase(Locale.ROOT), "campaign",
                cur.campaignId().toString(), Map.of("action_id", actionId, "device_id", deviceId.toString()));
        return action(tenantId, deviceId, actionId);
    }

    /**
     * The device's answer to a cancel request: accepted, the action is CANCELED; refused, it goes back to what it
     * was (the device goes on installing). A repeated answer is accepted without change.
     */
    @Transactional
    public OtaAction reportCancel(UUID tenantId, UUID deviceId, long actionId, boolean accepted, String detail) {
        OtaAction cur = action(tenantId, deviceId, actionId);
        if (!OtaAction.CANCELING.equals(cur.status())) {
            if (OtaAction.CANCELED.equals(cur.status()) || !accepted && cur.open()) {
                return cur;
            }
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "action " + actionId + " is " + cur.status()
                    + ", not CANCELING");
        }
        String trimmed = detail == null ? null : detail.substring(0, Math.min(detail.length(), 1000));
        if (accepted) {
            return report(tenantId, deviceId, actionId, Report.CANCELED, trimmed);
        }
        campaigns.refuseCancel(tenantId, actionId, trimmed, clock.millis());
        audit.recordDetails(tenantId, new Caller(tenantId, "device:" + deviceId, Role.OPERATOR),
                "ota.action.cancel_refused", "campaign", cur.campaignId().toString(),
                Map.of("action_id", actionId, "device_id", deviceId.toString()));
        return action(tenantId, deviceId, actionId);
    }

    /** The metadata key under which a device's DDI attributes are kept. */
    public static final String ATTRIBUTES_KEY = "ddi_attributes";

    /** Whether the device has sent its DDI attributes ({@code configData}). */
    public boolean hasAttributes(UUID tenantId, UUID deviceId) {
        return devices.get(tenantId, deviceId).metadata().containsKey(ATTRIBUTES_KEY);
    }

    /**
     * Keeps the device's attributes in its metadata under {@link #ATTRIBUTES_KEY}: merged into those it had,
     * replacing them, or removing the named ones. 400 when they do not fit a metadata value (1024 characters).
     */
    @Transactional
    public void saveAttributes(UUID tenantId, UUID deviceId, Map<String, String> attributes, String mode) {
        Object old = devices.get(tenantId, deviceId).metadata().get(ATTRIBUTES_KEY);
        Map<String, Object> next = new java.util.TreeMap<>();
        if (old instanceof Map<?, ?> m && !mode.equals("replace")) {
            m.forEach((k, v) -> next.put(String.valueOf(k), v));
        }
        if (mode.equals("remove")) {
            attributes.keySet().forEach(next::remove);
        } else {
            next.putAll(attributes);
        }
        Caller device = new Caller(tenantId, "device:" + deviceId, Role.OPERATOR);
        devices.patch(device, deviceId, tools.jackson.databind.json.JsonMapper.shared().valueToTree(
                Map.of("metadata", Map.of(ATTRIBUTES_KEY, next))), null);
    }

    /** A staged campaign's job execution follows the device's final report. */
    private void endExecution(UUID tenantId, OtaAction cur, String to, String detail) {
        ExecutionStatus outcome = switch (to) {
            case OtaAction.SUCCEEDED -> ExecutionStatus.SUCCEEDED;
            case OtaAction.FAILED -> ExecutionStatus.FAILED;
            case OtaAction.CANCELED -> ExecutionStatus.CANCELED;
            default -> null;
        };
        if (outcome == null) {
            return;
        }
        campaigns.jobOf(tenantId, cur.campaignId()).ifPresent(job -> jobs.endExecution(tenantId, job,
                cur.deviceId(), outcome, detail == null ? Map.of("action_id", cur.id())
                        : Map.of("action_id", cur.id(), "detail", detail)));
    }

    private static String target(String status, Report report) {
        return switch (report) {
            case STARTED -> OtaAction.PENDING.equals(status) || OtaAction.TIMED_OUT.equals(status)
                    ? OtaAction.DOWNLOADING : status;
            case DOWNLOADED -> OtaAction.PENDING.equals(status) || OtaAction.DOWNLOADING.equals(status)
                    ? OtaAction.INSTALLING : status;
            case SUCCEEDED -> OtaAction.SUCCEEDED;
            case FAILED -> OtaAction.FAILED;
            case CANCELED -> OtaAction.CANCELED;
        };
    }
}
