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
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.Job;
import io.fleetkeeper.job.JobService;
import io.fleetkeeper.job.JobStatus;
import io.fleetkeeper.job.JobStatusChanged;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.ota.internal.CampaignRollout;
import io.fleetkeeper.ota.internal.OtaTopics;
import java.util.LinkedHashSet;
import java.util.List;
import org.springframework.context.event.EventListener;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * OTA campaigns: a firmware for a set of devices, one action per device, which hawkBit DDI clients see as their
 * deployment. A campaign over explicit device ids offers the update to all of them at once. A campaign over a
 * fleet group or query is a job on the job engine (operation {@code ota}, see {@code internal/CampaignRollout}):
 * the engine targets, paces (rate, waves, soak, thresholds, maintenance window, start time) and offers the update
 * device by device, leased and restart safe. Pausing hides the actions from polls (and pauses the job);
 * cancelling cancels the devices that had not started and asks the others to cancel. Every change is audited.
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

    /** Default time a device of a staged campaign has to report an outcome. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 86_400;

    private final JobService jobs;
    private final JsonMapper json;
    private final OtaTopics topics;

    CampaignService(CampaignRepository campaigns, FirmwareService firmware, DeviceService devices, AuditService audit,
            Clock clock, JobService jobs, JsonMapper json, OtaTopics topics) {
        this.topics = topics;
        this.jobs = jobs;
        this.json = json;
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
        NewCampaign.Target t = in == null ? null : in.target();
        int kinds = t == null ? 0 : (t.deviceIds() != null ? 1 : 0) + (t.groupId() != null ? 1 : 0)
                + (t.query() != null ? 1 : 0);
        if (kinds > 1) {
            v.add("target", "needs exactly one of device_ids, group_id and query");
        }
        if (in != null && in.download() != null && !Campaign.FORCED.equals(in.download())
                && !Campaign.ATTEMPT.equals(in.download())) {
            v.add("download", "must be forced or attempt");
        }
        if (in != null && in.update() != null && !Campaign.FORCED.equals(in.update())
                && !Campaign.ATTEMPT.equals(in.update()) && !Campaign.SKIP.equals(in.update())) {
            v.add("update", "must be forced, attempt or skip (download only)");
        }
        if (kinds > 1) {
            v.throwIfAny();
        }
        if (t != null && (t.groupId() != null || t.query() != null)) {
            v.throwIfAny();
            return createStaged(caller, in);
        }
        if (in != null && (in.waves() != null || in.maxPerMinute() != null || in.startAt() != null
                || in.maintenanceWindow() != null || in.retries() != null || in.timeoutSeconds() != null)) {
            v.add("target", "waves, max_per_minute, start_at, maintenance_window, retries and timeout_seconds need"
                    + " a target by group_id or query");
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
        campaigns.insert(tenantId, id, f.id(), caller.actor(), spec(in, null), now);
        ids.forEach(d -> {
            campaigns.insertAction(tenantId, id, d, f.id(), now);
            topics.tell(tenantId, d);
        });
        audit.recordDetails(tenantId, caller, "campaign.create", "campaign", id.toString(),
                Map.of("firmware_id", f.id().toString(), "devices", ids.size()));
        return get(tenantId, id);
    }

    /** A campaign over a group or query: the job that runs it, and the campaign, in one transaction. */
    private Campaign createStaged(Caller caller, NewCampaign in) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations();
        if (in.retries() != null && (in.retries() < 0 || in.retries() > 10)) {
            v.add("retries", "must be between 0 and 10");
        }
        v.throwIfAny();
        Firmware f = firmware.get(tenantId, in.firmwareId());
        if (f.artifacts().isEmpty()) {
            throw new ApiException(ErrorCode.CONFLICT, "the firmware has no artifact to install");
        }
        UUID id = Ids.newId(clock);
        ObjectNode payload = json.createObjectNode().put("campaign_id", id.toString())
                .put("firmware_id", f.id().toString());
        int retries = in.retries() == null ? 0 : in.retries();
        NewJob spec = new NewJob("OTA campaign " + id, f.name() + " " + f.version(),
                new NewJob.Target(in.target().groupId() == null ? null : in.target().groupId().toString(),
                        in.target().query()),
                "snapshot", new NewJob.Operation(CampaignRollout.TYPE, null, payload, null, null, null, null),
                new NewJob.Rollout(in.maxPerMinute(), null, in.waves(), in.maintenanceWindow()), List.of(),
                in.timeoutSeconds() == null ? DEFAULT_TIMEOUT_SECONDS : in.timeoutSeconds(),
                retries > 0 ? List.of(new NewJob.RetryCriterion("ALL", retries)) : List.of(), null, in.startAt());
        Job job = jobs.createFor(caller, spec).job();
        long now = clock.millis();
        String stored = spec(in, in.skipIfCurrent() == null || in.skipIfCurrent());
        campaigns.insert(tenantId, id, f.id(), caller.actor(), job.id(), stored, now);
        audit.recordDetails(tenantId, caller, "campaign.create", "campaign", id.toString(),
                Map.of("firmware_id", f.id().toString(), "job_id", job.id().toString()));
        return get(tenantId, id);
    }

    /** What the campaign keeps of its request: the handling of download and update, whether to skip current. */
    private String spec(NewCampaign in, Boolean skipIfCurrent) {
        ObjectNode spec = json.createObjectNode();
        if (skipIfCurrent != null) {
            spec.put("skip_if_current", skipIfCurrent);
        }
        spec.put("download", in.download() == null ? Campaign.FORCED : in.download());
        spec.put("update", in.update() == null ? Campaign.FORCED : in.update());
        return json.writeValueAsString(spec);
    }

    public Campaign get(UUID tenantId, UUID id) {
        Campaign c = campaigns.find(tenantId, id).orElseThrow(() -> ApiException.notFound("campaign"));
        return c.jobId() == null ? c : c.withRollout(jobs.get(tenantId, c.jobId()).progress());
    }

    /** A staged campaign follows its job: completed, aborted (the remaining devices are canceled), canceled. */
    @EventListener
    public void onJobStatusChanged(JobStatusChanged e) {
        var c = campaigns.byJob(e.tenantId(), e.jobId()).orElse(null);
        if (c == null) {
            return;
        }
        String state = switch (e.to()) {
            case IN_PROGRESS -> Campaign.RUNNING;
            case PAUSED -> Campaign.PAUSED;
            case COMPLETED -> Campaign.COMPLETED;
            case CANCELED -> Campaign.CANCELED;
            case ABORTED -> Campaign.ABORTED;
        };
        if (campaigns.followState(e.tenantId(), c.id(), state, clock.millis()) && e.to() == JobStatus.ABORTED) {
            audit.recordDetails(e.tenantId(), Caller.system(e.tenantId()), "campaign.abort", "campaign",
                    c.id().toString(), Map.of("reason", e.reason() == null ? "" : e.reason()));
        }
    }

    /** The tenant's campaigns with their per-status device counts, in creation order. */
    public Page<Campaign> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("campaign", cursor, limit, (after, fetch) -> campaigns.list(tenantId, after, fetch),
                Campaign::id).map(c -> c.jobId() == null ? c : c.withRollout(jobs.get(tenantId, c.jobId()).progress()));
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
        Campaign c = move(caller, id, expectedVersion, Campaign.RUNNING, Campaign.PAUSED, "campaign.pause");
        if (c.jobId() != null) {
            jobs.pause(caller, c.jobId(), null);
        }
        return get(caller.tenantId(), id);
    }

    /** PAUSED → RUNNING. */
    @Transactional
    public Campaign resume(Caller caller, UUID id, Long expectedVersion) {
        Campaign c = move(caller, id, expectedVersion, Campaign.PAUSED, Campaign.RUNNING, "campaign.resume");
        if (c.jobId() != null) {
            jobs.resume(caller, c.jobId(), null);
        }
        return get(caller.tenantId(), id);
    }

    /** RUNNING or PAUSED → CANCELED; the devices that have not finished become CANCELED. */
    @Transactional
    public Campaign cancel(Caller caller, UUID id, Long expectedVersion) {
        Campaign cur = get(caller.tenantId(), id);
        if (Campaign.CANCELED.equals(cur.state())) { // again: the devices that refused are asked once more
            campaigns.cancelOpenActions(caller.tenantId(), id, clock.millis());
            campaigns.cancelingDevices(caller.tenantId(), id).forEach(d -> topics.tell(caller.tenantId(), d));
            audit.record(caller.tenantId(), caller, "campaign.cancel", "campaign", id.toString(), null);
            return get(caller.tenantId(), id);
        }
        if (!Campaign.RUNNING.equals(cur.state()) && !Campaign.PAUSED.equals(cur.state())) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "campaign is " + cur.state());
        }
        String from = cur.state();
        Campaign next = move(caller, id, expectedVersion, from, Campaign.CANCELED, "campaign.cancel");
        List<UUID> notStarted = campaigns.cancelOpenActions(caller.tenantId(), id, clock.millis());
        campaigns.cancelingDevices(caller.tenantId(), id).forEach(d -> topics.tell(caller.tenantId(), d));
        if (cur.jobId() != null) {
            for (UUID device : notStarted) {
                jobs.endExecution(caller.tenantId(), cur.jobId(), device, ExecutionStatus.CANCELED,
                        Map.of("detail", "the campaign was canceled"));
            }
            jobs.cancel(caller, cur.jobId(), null, false);
        }
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
