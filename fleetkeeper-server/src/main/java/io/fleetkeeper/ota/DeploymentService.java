package io.fleetkeeper.ota;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceService;
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

    DeploymentService(CampaignRepository campaigns, FirmwareService firmware, DeviceService devices,
            AuditService audit, Clock clock) {
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

    private static String target(String status, Report report) {
        return switch (report) {
            case STARTED -> OtaAction.PENDING.equals(status) ? OtaAction.DOWNLOADING : status;
            case DOWNLOADED -> OtaAction.PENDING.equals(status) || OtaAction.DOWNLOADING.equals(status)
                    ? OtaAction.INSTALLING : status;
            case SUCCEEDED -> OtaAction.SUCCEEDED;
            case FAILED -> OtaAction.FAILED;
            case CANCELED -> OtaAction.CANCELED;
        };
    }
}
