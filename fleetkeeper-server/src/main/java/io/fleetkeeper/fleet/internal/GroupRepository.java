package io.fleetkeeper.fleet.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.fleet.FleetGroup;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** {@code fleet_groups} and {@code fleet_group_members}. Id lists are sent in chunks of 500 parameters. */
@Repository
public class GroupRepository {

    private static final int CHUNK = 500;

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    GroupRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** Devices that are members of the static group {@code groupId}: the ids of its members, as a condition. */
    public static DeviceCondition membership(UUID tenantId, UUID groupId) {
        return DeviceCondition.idIn("SELECT g.device_id FROM fleet_group_members g WHERE g.tenant_id = ?"
                + " AND g.group_id = ?", List.of(tenantId.toString(), groupId.toString()));
    }

    public void insert(UUID tenantId, FleetGroup g) {
        jdbc.sql("""
                INSERT INTO fleet_groups (tenant_id, id, name, description, kind, query, parent_id, created_at,
                  updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), g.id().toString(), g.name(), g.description(), g.kind(), g.query(), str(g.parentId()),
                        g.createdAt().toEpochMilli(), g.updatedAt().toEpochMilli(), g.version())
                .update();
    }

    public Optional<FleetGroup> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM fleet_groups WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(GroupRepository::map).optional();
    }

    /** Groups named after {@code afterName}, by name. */
    public List<FleetGroup> list(UUID tenantId, String afterName, int limit) {
        return jdbc.sql("SELECT * FROM fleet_groups WHERE tenant_id = ? AND name > ? ORDER BY name LIMIT ?")
                .params(tenantId.toString(), afterName, limit).query(GroupRepository::map).list();
    }

    /** Writes {@code g} when the stored version is still {@code expectedVersion}. */
    public boolean update(UUID tenantId, FleetGroup g, long expectedVersion) {
        return jdbc.sql("""
                UPDATE fleet_groups SET name = ?, description = ?, query = ?, parent_id = ?, updated_at = ?,
                  version = ?
                WHERE tenant_id = ? AND id = ? AND version = ?""")
                .params(g.name(), g.description(), g.query(), str(g.parentId()), g.updatedAt().toEpochMilli(), g.version(),
                        tenantId.toString(), g.id().toString(), expectedVersion)
                .update() == 1;
    }

    public boolean delete(UUID tenantId, UUID id, long expectedVersion) {
        jdbc.sql("DELETE FROM fleet_group_members WHERE tenant_id = ? AND group_id = ?")
                .params(tenantId.toString(), id.toString()).update();
        return jdbc.sql("DELETE FROM fleet_groups WHERE tenant_id = ? AND id = ? AND version = ?")
                .params(tenantId.toString(), id.toString(), expectedVersion).update() == 1;
    }

    public boolean hasChildren(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT COUNT(*) FROM fleet_groups WHERE tenant_id = ? AND parent_id = ?")
                .params(tenantId.toString(), id.toString()).query(Long.class).single() > 0;
    }

    public boolean nameTaken(UUID tenantId, String name, UUID except) {
        return jdbc.sql("SELECT COUNT(*) FROM fleet_groups WHERE tenant_id = ? AND name = ? AND id <> ?")
                .params(tenantId.toString(), name, (except == null ? Ids.NIL : except).toString())
                .query(Long.class).single() > 0;
    }

    /** Which of {@code deviceIds} are members of the group. */
    public Set<String> members(UUID tenantId, UUID groupId, Collection<String> deviceIds) {
        return inChunks(deviceIds, "SELECT device_id FROM fleet_group_members WHERE tenant_id = ? AND group_id = ?"
                + " AND device_id IN (%s)", List.of(tenantId.toString(), groupId.toString()));
    }

    public long memberCount(UUID tenantId, UUID groupId) {
        return jdbc.sql("SELECT COUNT(*) FROM fleet_group_members WHERE tenant_id = ? AND group_id = ?")
                .params(tenantId.toString(), groupId.toString()).query(Long.class).single();
    }

    public void addMembers(UUID tenantId, UUID groupId, Collection<String> deviceIds) {
        String tenant = tenantId.toString();
        String group = groupId.toString();
        template.batchUpdate("INSERT INTO fleet_group_members (tenant_id, group_id, device_id) VALUES (?, ?, ?)"
                + " ON CONFLICT DO NOTHING", List.copyOf(deviceIds), 1000, (ps, id) -> {
                    ps.setString(1, tenant);
                    ps.setString(2, group);
                    ps.setString(3, id);
                });
    }

    public void removeMembers(UUID tenantId, UUID groupId, Collection<String> deviceIds) {
        List<String> all = List.copyOf(deviceIds);
        for (int i = 0; i < all.size(); i += CHUNK) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
            List<Object> params = new ArrayList<>(List.of(tenantId.toString(), groupId.toString()));
            params.addAll(chunk);
            jdbc.sql("DELETE FROM fleet_group_members WHERE tenant_id = ? AND group_id = ? AND device_id IN ("
                    + marks(chunk.size()) + ")").params(params).update();
        }
    }

    private Set<String> inChunks(Collection<String> ids, String sqlTemplate, List<Object> leading) {
        List<String> all = List.copyOf(ids);
        Set<String> found = new HashSet<>();
        for (int i = 0; i < all.size(); i += CHUNK) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
            List<Object> params = new ArrayList<>(leading);
            params.addAll(chunk);
            found.addAll(jdbc.sql(sqlTemplate.formatted(marks(chunk.size()))).params(params).query(String.class)
                    .list());
        }
        return found;
    }

    private static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    private static String str(UUID id) {
        return id == null ? null : id.toString();
    }

    private static FleetGroup map(ResultSet rs, int n) throws SQLException {
        String parent = rs.getString("parent_id");
        return new FleetGroup(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getString("description"),
                rs.getString("kind"),
                rs.getString("query"), parent == null ? null : UUID.fromString(parent), Times.instant(rs, "created_at"),
                Times.instant(rs, "updated_at"), rs.getLong("version"));
    }
}
