package io.fleetkeeper.ota.internal;

import io.fleetkeeper.ota.Campaign;
import io.fleetkeeper.ota.OtaAction;
import java.time.Instant;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import jakarta.annotation.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.stereotype.Repository;

/** The {@code ota_campaigns} and {@code ota_actions} tables. */
@Repository
public class CampaignRepository {

    private static final String ACTION_COLUMNS = "id, campaign_id, device_id, firmware_id, status, detail,"
            + " created_at, updated_at, progress, notified_at, started_at, finished_at";
    /** The statuses of an unfinished action the device may still be told about, as an SQL list. */
    private static final String OFFERED = "('QUEUED', 'NOTIFIED', 'DOWNLOADING', 'DOWNLOADED', 'INSTALLING')";

    private final JdbcClient jdbc;

    CampaignRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(UUID tenantId, UUID id, UUID firmwareId, String actor, String spec, long now) {
        insert(tenantId, id, firmwareId, actor, null, spec, now);
    }

    /**
     * The campaign's spec (JSON: {@code skip_if_current}, {@code download}, {@code update}), and its job; empty
     * for no such campaign.
     */
    public record Spec(@Nullable String spec, @Nullable UUID jobId) {
    }

    public Optional<Spec> spec(UUID tenantId, UUID campaignId) {
        return jdbc.sql("SELECT spec, job_id FROM ota_campaigns WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), campaignId.toString())
                .query((rs, n) -> new Spec(rs.getString(1), rs.getString(2) == null ? null
                        : UUID.fromString(rs.getString(2)))).optional();
    }

    /** A campaign; {@code jobId} and {@code spec} for one run as a job. */
    public void insert(UUID tenantId, UUID id, UUID firmwareId, String actor, UUID jobId, String spec, long now) {
        jdbc.sql("INSERT INTO ota_campaigns (tenant_id, id, firmware_id, state, created_by, created_at, updated_at,"
                        + " version, job_id, spec) VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, 1, ?, ?)")
                .params(tenantId.toString(), id.toString(), firmwareId.toString(), actor, now, now,
                        jobId == null ? null : jobId.toString(), spec).update();
    }

    /** The job running the campaign (empty for a campaign over explicit device ids). */
    public Optional<UUID> jobOf(UUID tenantId, UUID campaignId) {
        return jdbc.sql("SELECT job_id FROM ota_campaigns WHERE tenant_id = ? AND id = ? AND job_id IS NOT NULL")
                .params(tenantId.toString(), campaignId.toString())
                .query((rs, n) -> UUID.fromString(rs.getString(1))).optional();
    }

    /** A job-run campaign's spec (JSON) and id, by its job. */
    public record JobCampaign(UUID id, UUID firmwareId, String spec) {
    }

    public Optional<JobCampaign> byJob(UUID tenantId, UUID jobId) {
        return jdbc.sql("SELECT id, firmware_id, spec FROM ota_campaigns WHERE tenant_id = ? AND job_id = ?")
                .params(tenantId.toString(), jobId.toString())
                .query((rs, n) -> new JobCampaign(UUID.fromString(rs.getString(1)), UUID.fromString(rs.getString(2)),
                        rs.getString(3)))
                .optional();
    }

    /**
     * Offers the campaign's firmware to the device: a new QUEUED action, or its earlier action (a retry) set
     * back to QUEUED (a SKIPPED one is finished at once).
     */
    public void offer(UUID tenantId, UUID campaignId, UUID deviceId, UUID firmwareId, String status, String detail,
            long now) {
        Long finished = OtaAction.SKIPPED.equals(status) ? now : null;
        jdbc.sql("INSERT INTO ota_actions (tenant_id, campaign_id, device_id, firmware_id, status, detail, created_at,"
                        + " updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (tenant_id, campaign_id, device_id)"
                        + " DO UPDATE SET status = excluded.status, detail = excluded.detail,"
                        + " updated_at = excluded.updated_at, cancel_from = NULL, progress = NULL, notified_at = NULL,"
                        + " started_at = NULL, finished_at = excluded.finished_at")
                .params(tenantId.toString(), campaignId.toString(), deviceId.toString(), firmwareId.toString(),
                        status, detail, now, now, finished).update();
    }

    /** Ends the device's open action of the campaign with {@code status} (the engine ended its execution). */
    public int endOpen(UUID tenantId, UUID campaignId, UUID deviceId, String status, String detail, long now) {
        return jdbc.sql("UPDATE ota_actions SET status = ?, detail = ?, updated_at = ?, finished_at = ?,"
                        + " cancel_from = NULL WHERE tenant_id = ? AND campaign_id = ? AND device_id = ?"
                        + " AND (status IN " + OFFERED + " OR status = 'CANCELING') AND finished_at IS NULL")
                .params(status, detail, now, now, tenantId.toString(), campaignId.toString(), deviceId.toString())
                .update();
    }

    /** Sets the state whatever the version (the campaign's job changed status); false when it was already so. */
    public boolean followState(UUID tenantId, UUID id, String state, long now) {
        return jdbc.sql("UPDATE ota_campaigns SET state = ?, updated_at = ?, version = version + 1"
                        + " WHERE tenant_id = ? AND id = ? AND state <> ?")
                .params(state, now, tenantId.toString(), id.toString(), state).update() == 1;
    }

    public void insertAction(UUID tenantId, UUID campaignId, UUID deviceId, UUID firmwareId, long now) {
        jdbc.sql("INSERT INTO ota_actions (tenant_id, campaign_id, device_id, firmware_id, status, created_at,"
                        + " updated_at) VALUES (?, ?, ?, ?, 'QUEUED', ?, ?)")
                .params(tenantId.toString(), campaignId.toString(), deviceId.toString(), firmwareId.toString(), now,
                        now).update();
    }

    public Optional<Campaign> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT id, firmware_id, state, created_by, created_at, updated_at, version, job_id, spec"
                        + " FROM ota_campaigns WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString())
                .query((rs, n) -> campaign(rs, tenantId)).optional();
    }

    /** The tenant's campaigns with ids after {@code afterId}, in id (creation) order. */
    public List<Campaign> list(UUID tenantId, UUID afterId, int fetch) {
        return jdbc.sql("SELECT id, firmware_id, state, created_by, created_at, updated_at, version, job_id, spec"
                        + " FROM ota_campaigns WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), (afterId == null ? new UUID(0, 0) : afterId).toString(), fetch)
                .query((rs, n) -> campaign(rs, tenantId)).list();
    }

    private Campaign campaign(ResultSet rs, UUID tenantId) throws SQLException {
        UUID id = UUID.fromString(rs.getString(1));
        JsonNode spec = rs.getString(9) == null ? null : JsonMapper.shared().readTree(rs.getString(9));
        return new Campaign(id, UUID.fromString(rs.getString(2)), mode(spec, "download"), mode(spec, "update"),
                rs.getString(3), counts(tenantId, id),
                rs.getString(8) == null ? null : UUID.fromString(rs.getString(8)), null, rs.getString(4),
                Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6)), rs.getLong(7));
    }

    /** The spec's {@code download} or {@code update} handling; {@code forced} when it has none. */
    public static String mode(@Nullable JsonNode spec, String field) {
        return spec == null ? Campaign.FORCED : spec.path(field).asString(Campaign.FORCED);
    }

    private Map<String, Long> counts(UUID tenantId, UUID campaignId) {
        Map<String, Long> counts = new LinkedHashMap<>();
        jdbc.sql("SELECT status, COUNT(*) FROM ota_actions WHERE tenant_id = ? AND campaign_id = ? GROUP BY status"
                        + " ORDER BY status")
                .params(tenantId.toString(), campaignId.toString())
                .query(rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        return counts;
    }

    /** Changes the state when the version matches; false otherwise. */
    public boolean setState(UUID tenantId, UUID id, String state, long expectedVersion, long now) {
        return jdbc.sql("UPDATE ota_campaigns SET state = ?, updated_at = ?, version = version + 1"
                        + " WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(state, now, tenantId.toString(), id.toString(), expectedVersion).update() == 1;
    }

    /**
     * Cancels the campaign's unfinished actions: those the device has not started become CANCELED; the devices of
     * started ones are asked to cancel: they become CANCELING, remembering their status, until the device
     * confirms (CANCELED) or refuses (back to that status). Returns the devices (QUEUED or NOTIFIED) canceled at
     * once.
     */
    public List<UUID> cancelOpenActions(UUID tenantId, UUID campaignId, long now) {
        List<UUID> pending = jdbc.sql("SELECT device_id FROM ota_actions WHERE tenant_id = ? AND campaign_id = ?"
                        + " AND status IN ('QUEUED', 'NOTIFIED')")
                .params(tenantId.toString(), campaignId.toString())
                .query((rs, n) -> UUID.fromString(rs.getString(1))).list();
        jdbc.sql("UPDATE ota_actions SET status = 'CANCELED', updated_at = ?, finished_at = ? WHERE tenant_id = ?"
                        + " AND campaign_id = ? AND status IN ('QUEUED', 'NOTIFIED')")
                .params(now, now, tenantId.toString(), campaignId.toString()).update();
        jdbc.sql("UPDATE ota_actions SET cancel_from = status, status = 'CANCELING', updated_at = ?"
                        + " WHERE tenant_id = ? AND campaign_id = ?"
                        + " AND status IN ('DOWNLOADING', 'DOWNLOADED', 'INSTALLING') AND finished_at IS NULL")
                .params(now, tenantId.toString(), campaignId.toString()).update();
        return pending;
    }

    /** The devices of the campaign's actions that are CANCELING. */
    public List<UUID> cancelingDevices(UUID tenantId, UUID campaignId) {
        return jdbc.sql("SELECT device_id FROM ota_actions WHERE tenant_id = ? AND campaign_id = ?"
                        + " AND status = 'CANCELING'")
                .params(tenantId.toString(), campaignId.toString())
                .query((rs, n) -> UUID.fromString(rs.getString(1))).list();
    }

    /** A CANCELING action the device refused to cancel goes back to its earlier status. */
    public boolean refuseCancel(UUID tenantId, long id, String detail, long now) {
        return jdbc.sql("UPDATE ota_actions SET status = cancel_from, cancel_from = NULL, detail = ?, updated_at = ?"
                        + " WHERE tenant_id = ? AND id = ? AND status = 'CANCELING'")
                .params(detail, now, tenantId.toString(), id).update() == 1;
    }

    /** A campaign's actions in id order after {@code afterId}. */
    public List<OtaAction> actions(UUID tenantId, UUID campaignId, long afterId, int fetch) {
        return jdbc.sql("SELECT " + ACTION_COLUMNS + " FROM ota_actions WHERE tenant_id = ? AND campaign_id = ?"
                        + " AND id > ? ORDER BY id LIMIT ?")
                .params(tenantId.toString(), campaignId.toString(), afterId, fetch).query(this::action).list();
    }

    /**
     * The device's oldest action to tell it about: one it is asked to cancel (CANCELING, whatever the campaign's
     * state), or an unfinished one of a running campaign.
     */
    public Optional<OtaAction> openAction(UUID tenantId, UUID deviceId) {
        return jdbc.sql("SELECT a.id, a.campaign_id, a.device_id, a.firmware_id, a.status, a.detail, a.created_at,"
                        + " a.updated_at, a.progress, a.notified_at, a.started_at, a.finished_at FROM ota_actions a"
                        + " JOIN ota_campaigns c ON c.tenant_id = a.tenant_id"
                        + " AND c.id = a.campaign_id WHERE a.tenant_id = ? AND a.device_id = ?"
                        + " AND (a.status = 'CANCELING' OR a.status IN " + OFFERED + " AND c.state = 'RUNNING'"
                        + " AND a.finished_at IS NULL)"
                        + " ORDER BY a.id LIMIT 1")
                .params(tenantId.toString(), deviceId.toString()).query(this::action).optional();
    }

    public Optional<OtaAction> action(UUID tenantId, UUID deviceId, long id) {
        return jdbc.sql("SELECT " + ACTION_COLUMNS + " FROM ota_actions WHERE tenant_id = ? AND device_id = ?"
                        + " AND id = ?")
                .params(tenantId.toString(), deviceId.toString(), id).query(this::action).optional();
    }

    /** The action's state after a report: what {@link #transition} writes. */
    public record Change(String to, String detail, Integer progress, Long notifiedAt, Long startedAt,
            Long finishedAt) {
    }

    /** Moves an action from {@code from} as {@code change} says; false when it was not in {@code from} any more. */
    public boolean transition(UUID tenantId, long id, String from, Change change, long now) {
        return jdbc.sql("UPDATE ota_actions SET status = ?, detail = ?, progress = ?, notified_at = ?,"
                        + " started_at = ?, finished_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?"
                        + " AND status = ?")
                .params(change.to(), change.detail(), change.progress(), change.notifiedAt(), change.startedAt(),
                        change.finishedAt(), now, tenantId.toString(), id, from).update() == 1;
    }

    /** QUEUED → NOTIFIED: the device got the manifest; false when the action was not QUEUED. */
    public boolean notified(UUID tenantId, long id, long now) {
        return jdbc.sql("UPDATE ota_actions SET status = 'NOTIFIED', notified_at = ?, updated_at = ?"
                        + " WHERE tenant_id = ? AND id = ? AND status = 'QUEUED'")
                .params(now, now, tenantId.toString(), id).update() == 1;
    }

    private OtaAction action(ResultSet rs, int n) throws SQLException {
        return new OtaAction(rs.getLong(1), UUID.fromString(rs.getString(2)), UUID.fromString(rs.getString(3)),
                UUID.fromString(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getObject(9) == null ? null
                : rs.getInt(9), Instant.ofEpochMilli(rs.getLong(7)), Instant.ofEpochMilli(rs.getLong(8)),
                instant(rs, 10), instant(rs, 11), instant(rs, 12));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
