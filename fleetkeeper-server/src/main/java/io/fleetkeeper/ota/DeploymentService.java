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
import io.fleetkeeper.web.Violations;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.util.UriUtils;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.pki.CodeSigningService;
import jakarta.annotation.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The device's side of a campaign: the action (execution) a device is offered, its manifest (signed with the
 * tenant's code-signing key) and its reports.
 * An action moves QUEUED → NOTIFIED → DOWNLOADING → DOWNLOADED → INSTALLING → SUCCEEDED | FAILED | CANCELED;
 * success writes the firmware's version into the device record. In a download-only campaign (update
 * {@code skip}) DOWNLOADED is final, as in hawkBit, and counts as success for the campaign's job. The device's
 * history gets {@code OTA-STARTED},
 * {@code OTA-SUCCEEDED} and {@code OTA-FAILED}. A repeated final report is accepted without change (clients
 * retry); any other report on a finished action is refused with INVALID_TRANSITION.
 */
@Service
public class DeploymentService {

    /** What a hawkBit DDI client reports, reduced to what Fleetkeeper tracks. */
    public enum Report { STARTED, DOWNLOADED, SUCCEEDED, FAILED, CANCELED }

    private static final List<String> FINAL_REPORTS = List.of(OtaAction.SUCCEEDED, OtaAction.FAILED,
            OtaAction.CANCELED);

    private final CampaignRepository campaigns;
    private final FirmwareService firmware;
    private final DeviceService devices;
    private final AuditService audit;
    private final Clock clock;

    private final JobService jobs;
    private final CodeSigningService signing;
    private final JsonMapper json;

    DeploymentService(CampaignRepository campaigns, FirmwareService firmware, DeviceService devices,
            AuditService audit, Clock clock, JobService jobs, CodeSigningService signing, JsonMapper json) {
        this.signing = signing;
        this.json = json;
        this.jobs = jobs;
        this.campaigns = campaigns;
        this.firmware = firmware;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
    }

    /** The device's oldest unfinished action of a running campaign, or one it is asked to cancel. */
    public Optional<OtaAction> next(UUID tenantId, UUID deviceId) {
        return campaigns.openAction(tenantId, deviceId);
    }

    /** One of the device's actions (finished ones too); 404 for any other id. */
    public OtaAction action(UUID tenantId, UUID deviceId, long actionId) {
        return campaigns.action(tenantId, deviceId, actionId).orElseThrow(() -> ApiException.notFound("execution"));
    }

    public Firmware firmwareOf(UUID tenantId, OtaAction action) {
        return firmware.get(tenantId, action.firmwareId());
    }

    /** The device got its action's manifest: QUEUED becomes NOTIFIED. Answers the action as it is afterwards. */
    public OtaAction notified(UUID tenantId, OtaAction action) {
        if (!OtaAction.QUEUED.equals(action.status()) || !campaigns.notified(tenantId, action.id(), clock.millis())) {
            return action;
        }
        return action(tenantId, action.deviceId(), action.id());
    }

    /** The manifest of the device's next action ({@link #next}), which marks it NOTIFIED; empty when none. */
    public Optional<OtaManifest> nextManifest(UUID tenantId, UUID deviceId, boolean delivered) {
        return next(tenantId, deviceId).map(a -> manifest(tenantId, delivered ? notified(tenantId, a) : a));
    }

    /**
     * How the device should handle an action, as hawkBit DDI says it: {@code download} and {@code update}
     * ({@code forced}, {@code attempt}, {@code skip}), and {@code maintenanceWindow} ({@code available},
     * {@code unavailable}, or null for a campaign without one). Outside the window the update is {@code skip}:
     * the device may download but not install, as hawkBit does.
     */
    public record Handling(String download, String update, @Nullable String maintenanceWindow) {
    }

    public Handling handling(UUID tenantId, OtaAction a) {
        CampaignRepository.Spec spec = campaigns.spec(tenantId, a.campaignId()).orElse(null);
        JsonNode stored = spec == null || spec.spec() == null ? null : json.readTree(spec.spec());
        String update = CampaignRepository.mode(stored, "update");
        String window = null;
        NewJob.MaintenanceWindow w = window(tenantId, spec);
        if (w != null) {
            window = w.open(clock.instant()) ? "available" : "unavailable";
            update = "unavailable".equals(window) ? Campaign.SKIP : update;
        }
        return new Handling(CampaignRepository.mode(stored, "download"), update, window);
    }

    /** The maintenance window of a staged campaign's job; null for a campaign without one. */
    private NewJob.MaintenanceWindow window(UUID tenantId, CampaignRepository.Spec spec) {
        return spec == null || spec.jobId() == null ? null
                : jobs.get(tenantId, spec.jobId()).rollout().maintenanceWindow();
    }

    /**
     * An install starts only inside the campaign's maintenance window: outside it, 409 MAINTENANCE_WINDOW_CLOSED
     * with {@code next_open}, the instant the window opens again. Only the start is gated: an install under way
     * when the window closes goes on to its end.
     */
    private void requireWindowOpen(UUID tenantId, OtaAction a) {
        NewJob.MaintenanceWindow w = window(tenantId, campaigns.spec(tenantId, a.campaignId()).orElse(null));
        Instant now = clock.instant();
        if (w != null && !w.open(now)) {
            Instant next = w.nextOpen(now);
            throw new ApiException(ErrorCode.MAINTENANCE_WINDOW_CLOSED, "execution " + a.id() + " may start"
                    + " installing only inside its campaign's maintenance window, which opens next at " + next,
                    Map.of("next_open", next.toString()));
        }
    }

    /** Whether the action's campaign only downloads. */
    private boolean downloadOnly(UUID tenantId, OtaAction a) {
        return campaigns.spec(tenantId, a.campaignId()).map(s -> s.spec() == null ? Campaign.FORCED
                : CampaignRepository.mode(json.readTree(s.spec()), "update"))
                .filter(Campaign.SKIP::equals).isPresent();
    }

    /** The manifest of an action: its firmware and the artifacts' paths on the device listener. */
    public OtaManifest manifest(UUID tenantId, OtaAction a) {
        Handling h = handling(tenantId, a);
        Firmware f = firmwareOf(tenantId, a);
        String base = "/device/v1/firmware/" + f.id() + "/artifacts/";
        List<OtaManifest.Artifact> artifacts = f.artifacts().stream().map(art -> new OtaManifest.Artifact(
                art.filename(), art.size(), art.sha256(), art.sha1(), art.md5(),
                base + UriUtils.encodePathSegment(art.filename(), StandardCharsets.UTF_8))).toList();
        OtaManifest unsigned = new OtaManifest(a.id(), a.campaignId(), f.id(), f.name(), f.version(), a.status(),
                h.download(), h.update(), h.maintenanceWindow(), artifacts, null);
        return signing.sign(tenantId, json.writeValueAsBytes(unsigned)).map(unsigned::signed).orElse(unsigned);
    }

    /**
     * Applies a DDI report to the device's action and answers the action as it is afterwards. A start reported on
     * a DOWNLOADED action is the install starting, refused (409 MAINTENANCE_WINDOW_CLOSED) outside the window.
     */
    @Transactional
    public OtaAction report(UUID tenantId, UUID deviceId, long actionId, Report report, String detail) {
        OtaAction cur = action(tenantId, deviceId, actionId);
        if (OtaAction.DOWNLOADED.equals(cur.status()) && !cur.open()
                && (report == Report.STARTED || report == Report.DOWNLOADED)) {
            return cur; // a download-only action is done; a late start or download report changes nothing
        }
        return apply(tenantId, cur, ddiTarget(cur.status(), report), null, detail, null);
    }

    /**
     * Applies a device's status report (MQTT or HTTPS). 400 VALIDATION_FAILED for an unknown status, a progress
     * outside 0-100 or a version over 64 characters; 404 for an execution that is not the device's; 409
     * INVALID_TRANSITION for a step back (INSTALLING → DOWNLOADING) or a report on a finished execution; 409
     * MAINTENANCE_WINDOW_CLOSED for INSTALLING while the campaign's maintenance window is closed. While
     * the device is asked to cancel, progress reports change nothing; CANCELED confirms the cancel (or gives up). A SUCCEEDED report with another version
     * than the firmware's ends the execution FAILED; the reported version is written to the device either way.
     */
    @Transactional
    public OtaAction reportStatus(UUID tenantId, UUID deviceId, long actionId, OtaStatusReport r) {
        Violations v = new Violations();
        String status = r == null ? null : r.status();
        if (status == null || !OtaAction.IN_PROGRESS.subList(2, 5).contains(status)
                && !FINAL_REPORTS.contains(status)) {
            v.add("status", "must be one of DOWNLOADING, DOWNLOADED, INSTALLING, SUCCEEDED, FAILED, CANCELED");
        }
        if (r != null && r.progress() != null && (r.progress() < 0 || r.progress() > 100)) {
            v.add("progress", "must be between 0 and 100");
        }
        if (r != null) {
            v.maxLength("version", r.version(), 64);
        }
        v.throwIfAny();
        OtaAction cur = action(tenantId, deviceId, actionId);
        boolean finalReport = FINAL_REPORTS.contains(status);
        if (OtaAction.CANCELING.equals(cur.status()) && !finalReport) {
            return cur;
        }
        if (cur.open() && !finalReport
                && OtaAction.IN_PROGRESS.indexOf(status) < OtaAction.IN_PROGRESS.indexOf(cur.status())) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "execution " + actionId + " is " + cur.status()
                    + "; it cannot go back to " + status);
        }
        return apply(tenantId, cur, status, r.progress(), r.detail(), r.version());
    }

    private OtaAction apply(UUID tenantId, OtaAction cur, String to, Integer progress, String detail,
            String reportedVersion) {
        long actionId = cur.id();
        UUID deviceId = cur.deviceId();
        if (to.equals(cur.status()) && (progress == null || !cur.open())) {
            return cur;
        }
        if (!cur.open()) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "execution " + actionId + " is " + cur.status());
        }
        boolean downloadOnly = downloadOnly(tenantId, cur);
        if (downloadOnly && (OtaAction.INSTALLING.equals(to) || OtaAction.SUCCEEDED.equals(to))) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "execution " + actionId + " belongs to a"
                    + " download-only campaign: report DOWNLOADED, FAILED or CANCELED");
        }
        if (OtaAction.INSTALLING.equals(to) && !OtaAction.INSTALLING.equals(cur.status())) {
            requireWindowOpen(tenantId, cur);
        }
        String version = firmwareOf(tenantId, cur).version();
        String trimmed = detail == null ? null : detail.substring(0, Math.min(detail.length(), 1000));
        if (OtaAction.SUCCEEDED.equals(to) && reportedVersion != null && !reportedVersion.equals(version)) {
            to = OtaAction.FAILED;
            trimmed = "the device reports version " + reportedVersion + " after the update, not " + version;
        }
        long now = clock.millis();
        boolean working = OtaAction.IN_PROGRESS.indexOf(to) >= 2;
        boolean starts = working && cur.startedAt() == null;
        boolean ends = FINAL_REPORTS.contains(to) || downloadOnly && OtaAction.DOWNLOADED.equals(to);
        var change = new CampaignRepository.Change(to, trimmed,
                progress != null ? progress : OtaAction.SUCCEEDED.equals(to) ? Integer.valueOf(100) : cur.progress(),
                cur.notifiedAt() == null ? now : cur.notifiedAt().toEpochMilli(),
                starts ? Long.valueOf(now) : cur.startedAt() == null ? null : cur.startedAt().toEpochMilli(),
                ends ? now : null);
        if (!campaigns.transition(tenantId, actionId, cur.status(), change, now)) {
            throw new ApiException(ErrorCode.CONFLICT, "execution " + actionId + " changed concurrently; report again");
        }
        if (to.equals(cur.status())) {
            return action(tenantId, deviceId, actionId);
        }
        Caller device = new Caller(tenantId, "device:" + deviceId, Role.OPERATOR);
        endExecution(tenantId, cur, ends && OtaAction.DOWNLOADED.equals(to) ? OtaAction.SUCCEEDED : to, trimmed);
        String installed = reportedVersion != null ? reportedVersion : OtaAction.SUCCEEDED.equals(to) ? version : null;
        if (installed != null && !installed.equals(devices.get(tenantId, deviceId).firmwareVersion())) {
            devices.patch(device, deviceId, JsonNodeFactory.instance.objectNode().put("firmware_version", installed),
                    null);
        }
        String event = OtaAction.SUCCEEDED.equals(to) ? "OTA-SUCCEEDED" : OtaAction.FAILED.equals(to) ? "OTA-FAILED"
                : starts ? "OTA-STARTED" : null;
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

    /** hawkBit's reports are lenient: a start or download report that is behind the action changes nothing. */
    private static String ddiTarget(String status, Report report) {
        return switch (report) {
            case STARTED -> OtaAction.QUEUED.equals(status) || OtaAction.NOTIFIED.equals(status)
                    || OtaAction.TIMED_OUT.equals(status) ? OtaAction.DOWNLOADING
                    : OtaAction.DOWNLOADED.equals(status) ? OtaAction.INSTALLING : status;
            case DOWNLOADED -> OtaAction.QUEUED.equals(status) || OtaAction.NOTIFIED.equals(status)
                    || OtaAction.DOWNLOADING.equals(status) ? OtaAction.DOWNLOADED : status;
            case SUCCEEDED -> OtaAction.SUCCEEDED;
            case FAILED -> OtaAction.FAILED;
            case CANCELED -> OtaAction.CANCELED;
        };
    }
}
