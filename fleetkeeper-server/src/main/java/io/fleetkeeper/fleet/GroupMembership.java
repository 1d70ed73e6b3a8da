package io.fleetkeeper.fleet;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceQueries;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.fleet.internal.GroupRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.Caller;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What a group selects: the explicit members of static groups (changed in bulk), and for every group its
 * effective filter, its devices (keyset-paginated like the device list) and their count.
 */
@Service
public class GroupMembership {

    /** Most ids in one members call ({@code add} and {@code remove} together). */
    public static final int MAX_IDS_PER_CALL = 10_000;
    /** Most explicit members of one static group. */
    public static final long MAX_MEMBERS = 1_000_000;

    /** A bulk change of a static group's members. */
    public record MemberChange(List<String> add, List<String> remove) {
    }

    /** What a change did; every id that was not applied is in {@code rejected} with the reason. */
    public record MemberResult(int added, int removed, List<Rejected> rejected) {
    }

    public record Rejected(String id, String reason) {
    }

    private final FleetGroupService groups;
    private final GroupRepository repository;
    private final FleetQueries queries;
    private final DeviceService devices;
    private final DeviceQueries deviceQueries;
    private final AuditService audit;

    GroupMembership(FleetGroupService groups, GroupRepository repository, FleetQueries queries,
            DeviceService devices, DeviceQueries deviceQueries, AuditService audit) {
        this.groups = groups;
        this.deviceQueries = deviceQueries;
        this.repository = repository;
        this.queries = queries;
        this.devices = devices;
        this.audit = audit;
    }

    @Transactional
    public MemberResult change(Caller caller, UUID groupId, MemberChange change) {
        UUID tenantId = caller.tenantId();
        FleetGroup g = groups.get(tenantId, groupId);
        if (!g.isStatic()) {
            throw new ApiException(ErrorCode.CONFLICT, "only a static group has explicit members; a dynamic group "
                    + "selects devices by its query");
        }
        List<String> add = change.add() == null ? List.of() : change.add();
        List<String> remove = change.remove() == null ? List.of() : change.remove();
        if (add.size() + remove.size() > MAX_IDS_PER_CALL) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "at most " + MAX_IDS_PER_CALL + " ids per call",
                    List.of(new ApiException.FieldError("add", "add and remove hold at most " + MAX_IDS_PER_CALL
                            + " ids together")));
        }
        List<Rejected> rejected = new ArrayList<>();
        Set<String> toAdd = ids(add, rejected);
        Set<String> toRemove = ids(remove, rejected);
        for (String id : Set.copyOf(toAdd)) {
            if (toRemove.contains(id)) {
                rejected.add(new Rejected(id, "is in both add and remove"));
                toAdd.remove(id);
                toRemove.remove(id);
            }
        }
        Set<String> known = toAdd.isEmpty() ? Set.of() : deviceQueries.existingIds(tenantId, toAdd);
        Set<String> already = known.isEmpty() ? Set.of() : repository.members(tenantId, groupId, known);
        List<String> fresh = new ArrayList<>();
        for (String id : toAdd) {
            if (!known.contains(id)) {
                rejected.add(new Rejected(id, "no such device"));
            } else if (!already.contains(id)) {
                fresh.add(id);
            }
        }
        Set<String> members = toRemove.isEmpty() ? Set.of() : repository.members(tenantId, groupId, toRemove);
        toRemove.stream().filter(id -> !members.contains(id))
                .forEach(id -> rejected.add(new Rejected(id, "is not a member")));
        repository.removeMembers(tenantId, groupId, members);
        if (!fresh.isEmpty() && repository.memberCount(tenantId, groupId) + fresh.size() > MAX_MEMBERS) {
            throw new ApiException(ErrorCode.CONFLICT, "a static group holds at most " + MAX_MEMBERS + " devices");
        }
        repository.addMembers(tenantId, groupId, fresh);
        audit.recordDetails(tenantId, caller, "fleet_group.members", "fleet_group", groupId.toString(),
                Map.of("added", fresh.size(), "removed", members.size(), "rejected", rejected.size()));
        return new MemberResult(fresh.size(), members.size(), rejected);
    }

    /** The group's devices, narrowed by {@code query} when given, in {@code sort} order. */
    public Page<Device> devices(UUID tenantId, UUID groupId, String query, String sort, String cursor, int limit) {
        DeviceCondition c = DeviceCondition.and(effective(tenantId, groups.get(tenantId, groupId)),
                queries.compile(tenantId, query));
        return devices.list(tenantId, DeviceFilter.matching(c, sort), cursor, limit);
    }

    public long count(UUID tenantId, UUID groupId, String query) {
        return queries.count(tenantId, DeviceCondition.and(effective(tenantId, groups.get(tenantId, groupId)),
                queries.compile(tenantId, query)));
    }

    /** The group's own filter AND its parent's, up to the root. */
    public DeviceCondition effective(UUID tenantId, FleetGroup group) {
        DeviceCondition c = null;
        Set<UUID> seen = new HashSet<>();
        for (FleetGroup g = group; g != null;
                g = g.parentId() == null ? null : repository.find(tenantId, g.parentId()).orElse(null)) {
            if (!seen.add(g.id()) || seen.size() > FleetGroupService.MAX_DEPTH * 2) {
                throw new ApiException(ErrorCode.CONFLICT, "the parent chain of group " + group.id() + " loops");
            }
            DeviceCondition own = g.isStatic() ? GroupRepository.membership(tenantId, g.id())
                    : queries.compile(tenantId, queries.parse(g.query()));
            c = DeviceCondition.and(own, c);
        }
        return c;
    }

    private static Set<String> ids(List<String> in, List<Rejected> rejected) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : in) {
            UUID id = Ids.parseOrNull(s);
            if (id == null) {
                rejected.add(new Rejected(s, "is not a device id"));
            } else {
                out.add(id.toString());
            }
        }
        return out;
    }
}
