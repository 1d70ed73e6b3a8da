package io.fleetkeeper.ota;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.ota.internal.CampaignRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * OTA campaigns: a firmware for a set of devices, one action per device, which hawkBit DDI clients see as their
 * deployment. All the campaign's devices are offered the update at once; pausing hides the actions from polls,
 * cancelling cancels those that have not finished. Every change is audited.
 */
@Service
public class CampaignService {

    /** Most devices one campaign names by id. */
    public static final int MAX_DEVICES = 10_000;

    private final CampaignRepository campaigns;
    private final FirmwareService firmware;
    private final DeviceService devices;
    private final AuditService audit;
    private final Clock clock;

    CampaignService(CampaignRepository campaigns, FirmwareService firmware, DeviceService devices, AuditService audit,
            Clock clock) {
        this.campaigns = campaigns;
        this.firmware = firmware;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * 201 with the new campaign. 400 VALIDATION_FAILED for a missing firmware id or target, no device, too many
     * devices, or a device that is not in the tenant; 404 for another tenant's firmware; 409 CONFLICT for a
     * firmware without artifacts.
     */
    @Transactional
    public Campaign create(Caller caller, NewCampaign in) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations();
        if (in == null || in.firmwareId() == null) {
            v.add("firmware_id", "is required");
        }
        Set<UUID> ids = new LinkedHashSet<>();
        if (in == null || in.target() == null || in.target().deviceIds() == null
                || in.target().deviceIds().isEmpty()) {
            v.add("target.device_ids", "must name at least one device");
        } else if (in.target().deviceIds().size() > MAX_DEVICES) {
            v.add("target.device_ids", "at most " + MAX_DEVICES + " devices");
        } else {
            for (UUID id : in.target().deviceIds()) {
                if (id == null || !devices.exists(tenantId, id)) {
                    v.add("target.device_ids", "no such device: " + id);
                } else {
                    ids.add(id);
                }
            }
        }
        v.throwIfAny();
        Firmware f = firmware.get(tenantId, in.firmwareId());
        if (f.artifacts().isEmpty()) {
            throw new ApiException(ErrorCode.CONFLICT, "the firmware has no artifact to install");
        }
        UUID id = Ids.newId(clock);
        long now = clock.millis();
        campaigns.insert(tenantId, id, f.id(), caller.actor(), now);
        ids.forEach(d -> campaigns.insertAction(tenantId, id, d, f.id(), now));
        audit.recordDetails(tenantId, caller, "campaign.create", "campaign", id.toString(),
                Map.of("firmware_id", f.id().toString(), "devices", ids.size()));
        return get(tenantId, id);
    }

    public Campaign get(UUID tenantId, UUID id) {
        return campaigns.find(tenantId, id).orElseThrow(() -> ApiException.notFound("campaign"));
    }

    /** The tenant's campaigns with their per-status device counts, in creation order. */
    public Page<Campaign> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("campaign", cursor, limit, (after, fetch) -> campaigns.list(tenantId, after, fetch),
                Campaign::id);
    }

    /** The campaign's devices and their status, in action order. */
    public Page<OtaAction> devices(UUID tenantId, UUID id, String cursor, int limit) {
        get(tenantId, id);
        Cursor c = Cursor.decode(cursor, "action");
        long after;
        try {
            after = c == null ? 0 : Long.parseLong(c.id());
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid for this listing");
        }
        return Page.of(campaigns.actions(tenantId, id, after, limit + 1), limit,
                a -> new Cursor("action", null, Long.toString(a.id())));
    }

    /** RUNNING → PAUSED: polls stop offering the campaign's actions. */
    @Transactional
    public Campaign pause(Caller caller, UUID id, Long expectedVersion) {
        return move(caller, id, expectedVersion, Campaign.RUNNING, Campaign.PAUSED, "campaign.pause");
    }

    /** PAUSED → RUNNING. */
    @Transactional
    public Campaign resume(Caller caller, UUID id, Long expectedVersion) {
        return move(caller, id, expectedVersion, Campaign.PAUSED, Campaign.RUNNING, "campaign.resume");
    }

    /** RUNNING or PAUSED → CANCELED; the devices that have not finished become CANCELED. */
    @Transactional
    public Campaign cancel(Caller caller, UUID id, Long expectedVersion) {
        Campaign cur = get(caller.tenantId(), id);
        String from = Campaign.CANCELED.equals(cur.state()) ? Campaign.RUNNING : cur.state();
        Campaign next = move(caller, id, expectedVersion, from, Campaign.CANCELED, "campaign.cancel");
        campaigns.cancelOpenActions(caller.tenantId(), id, clock.millis());
        return get(caller.tenantId(), next.id());
    }

    private Campaign move(Caller caller, UUID id, Long expectedVersion, String from, String to, String action) {
        UUID tenantId = caller.tenantId();
        Campaign cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "campaign has changed (version " + cur.version()
                    + ")");
        }
        if (!from.equals(cur.state())) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "campaign is " + cur.state() + ", not " + from);
        }
        if (!campaigns.setState(tenantId, id, to, cur.version(), clock.millis())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "campaign changed concurrently; read it again");
        }
        audit.record(tenantId, caller, action, "campaign", id.toString(), null);
        return get(tenantId, id);
    }
}
