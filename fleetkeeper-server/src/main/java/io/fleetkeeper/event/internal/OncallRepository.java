package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.OncallSchedule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** On-call schedules and their overrides. */
@Repository
public class OncallRepository {

    private static final String COLUMNS = "id, name, time_zone, rotation_start, rotation_days, members, quiet_from, "
            + "quiet_to, created_at, updated_at, version";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    OncallRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insert(UUID tenantId, OncallSchedule s) {
        jdbc.sql("INSERT INTO oncall_schedules (tenant_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), s.id().toString(), s.name(), s.timeZone(),
                        s.rotation().start().toString(), s.rotation().lengthDays(),
                        json.writeValueAsString(s.rotation().members()), quietFrom(s), quietTo(s),
                        s.createdAt().toEpochMilli(), s.updatedAt().toEpochMilli(), s.version())
                .update();
    }

    /** Writes {@code s} (version already moved on) if the stored version is still {@code expected}. */
    public boolean update(UUID tenantId, OncallSchedule s, long expected) {
        return jdbc.sql("UPDATE oncall_schedules SET name = ?, time_zone = ?, rotation_start = ?, rotation_days = ?, "
                + "members = ?, quiet_from = ?, quiet_to = ?, updated_at = ?, version = ? "
                + "WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(s.name(), s.timeZone(), s.rotation().start().toString(), s.rotation().lengthDays(),
                        json.writeValueAsString(s.rotation().members()), quietFrom(s), quietTo(s),
                        s.updatedAt().toEpochMilli(), s.version(), tenantId.toString(), s.id().toString(), expected)
                .update() == 1;
    }

    public boolean delete(UUID tenantId, UUID id, long expected) {
        jdbc.sql("DELETE FROM oncall_overrides WHERE tenant_id = ? AND schedule_id = ?")
                .params(tenantId.toString(), id.toString()).update();
        return jdbc.sql("DELETE FROM oncall_schedules WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), expected).update() == 1;
    }

    public Optional<OncallSchedule> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM oncall_schedules WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query((rs, n) -> schedule(rs)).optional();
    }

    public List<OncallSchedule> list(UUID tenantId, UUID after, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM oncall_schedules WHERE tenant_id = ? AND id > ? "
                + "ORDER BY id LIMIT ?").params(tenantId.toString(), (after == null ? new UUID(0, 0) : after).toString(),
                        limit)
                .query((rs, n) -> schedule(rs)).list();
    }

    public boolean nameTaken(UUID tenantId, String name, UUID except) {
        return jdbc.sql("SELECT COUNT(*) FROM oncall_schedules WHERE tenant_id = ? AND name = ? AND id <> ?")
                .params(tenantId.toString(), name, except.toString()).query(Long.class).single() > 0;
    }

    public void insertOverride(UUID tenantId, UUID scheduleId, OncallSchedule.OncallOverride o) {
        jdbc.sql("INSERT INTO oncall_overrides (tenant_id, id, schedule_id, name, email, channels, starts_at, "
                + "ends_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(tenantId.toString(), o.id().toString(), scheduleId.toString(), o.member().name(),
                        o.member().email(), json.writeValueAsString(o.member().channels()),
                        o.startsAt().toEpochMilli(), o.endsAt().toEpochMilli(), o.createdAt().toEpochMilli())
                .update();
    }

    /** The overrides of a schedule that end after {@code from} and start before {@code to}, by start. */
    public List<OncallSchedule.OncallOverride> overrides(UUID tenantId, UUID scheduleId, Instant from, Instant to,
            int limit) {
        return jdbc.sql("SELECT id, name, email, channels, starts_at, ends_at, created_at FROM oncall_overrides "
                + "WHERE tenant_id = ? AND schedule_id = ? AND ends_at > ? AND starts_at < ? ORDER BY starts_at LIMIT ?")
                .params(tenantId.toString(), scheduleId.toString(), from.toEpochMilli(), to.toEpochMilli(), limit)
                .query((rs, n) -> new OncallSchedule.OncallOverride(UUID.fromString(rs.getString("id")),
                        new OncallSchedule.OncallMember(rs.getString("name"), rs.getString("email"),
                                channels(rs.getString("channels"))),
                        Instant.ofEpochMilli(rs.getLong("starts_at")), Instant.ofEpochMilli(rs.getLong("ends_at")),
                        Instant.ofEpochMilli(rs.getLong("created_at"))))
                .list();
    }

    public boolean deleteOverride(UUID tenantId, UUID scheduleId, UUID id) {
        return jdbc.sql("DELETE FROM oncall_overrides WHERE tenant_id = ? AND schedule_id = ? AND id = ?")
                .params(tenantId.toString(), scheduleId.toString(), id.toString()).update() == 1;
    }

    /**
     * Whether a member of a schedule of the tenant, or an override that has not ended at {@code now}, is reached
     * through {@code channelId}.
     */
    public boolean usesChannel(UUID tenantId, UUID channelId, Instant now) {
        String pattern = "%" + channelId + "%";
        return jdbc.sql("SELECT COUNT(*) FROM oncall_schedules WHERE tenant_id = ? AND members LIKE ?")
                .params(tenantId.toString(), pattern).query(Long.class).single() > 0
                || jdbc.sql("SELECT COUNT(*) FROM oncall_overrides WHERE tenant_id = ? AND channels LIKE ? "
                        + "AND ends_at > ?").params(tenantId.toString(), pattern, now.toEpochMilli())
                        .query(Long.class).single() > 0;
    }

    private List<UUID> channels(String stored) {
        return stored == null ? List.of() : json.readValue(stored, new TypeReference<List<UUID>>() { });
    }

    private static String quietFrom(OncallSchedule s) {
        return s.quietHours() == null ? null : s.quietHours().from().toString();
    }

    private static String quietTo(OncallSchedule s) {
        return s.quietHours() == null ? null : s.quietHours().to().toString();
    }

    private OncallSchedule schedule(ResultSet rs) throws SQLException {
        String from = rs.getString("quiet_from");
        OncallSchedule.QuietHours quiet = from == null ? null
                : new OncallSchedule.QuietHours(LocalTime.parse(from), LocalTime.parse(rs.getString("quiet_to")));
        List<OncallSchedule.OncallMember> members = json.readValue(rs.getString("members"),
                new TypeReference<List<OncallSchedule.OncallMember>>() { });
        return new OncallSchedule(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getString("time_zone"),
                new OncallSchedule.OncallRotation(LocalDateTime.parse(rs.getString("rotation_start")),
                        rs.getInt("rotation_days"), members),
                quiet, Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")),
                rs.getLong("version"));
    }
}
