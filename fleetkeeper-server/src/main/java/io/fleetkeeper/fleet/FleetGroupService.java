package io.fleetkeeper.fleet;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.fleet.internal.GroupRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;

/** Saved fleet groups: create, read, list, change and delete. Members and devices: {@link GroupMembership}. */
@Service
public class FleetGroupService {

    /** Most levels in a chain of groups (a root group is level 1). */
    public static final int MAX_DEPTH = 8;
    private static final Pattern NO_CONTROL = Pattern.compile("[^\\p{Cntrl}]*");
    private static final Pattern DESCRIPTION = Pattern.compile("(?:[^\\p{Cntrl}]|[\\n\\r\\t])*");
    public static final int MAX_DESCRIPTION = 1024;

    /** The fields of a new group. */
    public record GroupFields(String name, @Nullable String description, String kind, @Nullable String query,
            @Nullable UUID parentId) {

        /** A group without a description. */
        public GroupFields(String name, String kind, String query, UUID parentId) {
            this(name, null, kind, query, parentId);
        }
    }

    private final GroupRepository groups;
    private final AuditService audit;
    private final Clock clock;

    FleetGroupService(GroupRepository groups, AuditService audit, Clock clock) {
        this.groups = groups;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public FleetGroup create(Caller caller, GroupFields in) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations();
        v.required("kind", in.kind());
        if (in.kind() != null && !in.kind().equals(FleetGroup.DYNAMIC) && !in.kind().equals(FleetGroup.STATIC)) {
            v.add("kind", "must be dynamic or static");
        }
        Instant now = Times.now(clock);
        FleetGroup g = new FleetGroup(Ids.newId(clock), in.name(), in.description(), in.kind(), in.query(),
                in.parentId(), now, now, 1);
        validate(tenantId, g, v);
        try {
            groups.insert(tenantId, g);
        } catch (DuplicateKeyException e) {
            throw nameTaken(g.name());
        }
        audit.recordDetails(tenantId, caller, "fleet_group.create", "fleet_group", g.id().toString(),
                java.util.Map.of("name", g.name(), "kind", g.kind()));
        return g;
    }

    public FleetGroup get(UUID tenantId, UUID id) {
        return groups.find(tenantId, id).orElseThrow(() -> ApiException.notFound("fleet group"));
    }

    public Page<FleetGroup> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "group-name");
        return Page.of(groups.list(tenantId, c == null ? "" : c.key(), limit + 1), limit,
                g -> new Cursor("group-name", g.name(), g.id().toString()));
    }

    /**
     * Applies a JSON Merge Patch to {@code name}, {@code description}, {@code query} and {@code parent_id}; the
     * kind is fixed.
     */
    @Transactional
    public FleetGroup update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch mp = MergePatch.of(patch, Set.of("name", "description", "query", "parent_id"));
        FleetGroup cur = current(tenantId, id, expectedVersion);
        Violations v = new Violations();
        UUID parent = cur.parentId();
        String parentText = mp.text(v, "parent_id", parent == null ? null : parent.toString());
        if (parentText != null) {
            parent = Ids.parseOrNull(parentText);
            if (parent == null) {
                v.add("parent_id", "must be a UUID");
            }
        } else {
            parent = null;
        }
        FleetGroup next = new FleetGroup(id, mp.text(v, "name", cur.name()),
                mp.text(v, "description", cur.description()), cur.kind(),
                mp.text(v, "query", cur.query()), parent, cur.createdAt(), Times.now(clock), cur.version() + 1);
        validate(tenantId, next, v);
        boolean ok;
        try {
            ok = groups.update(tenantId, next, cur.version());
        } catch (DuplicateKeyException e) {
            throw nameTaken(next.name());
        }
        if (!ok) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "fleet group changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "fleet_group.update", "fleet_group", id.toString(), null);
        return next;
    }

    /** Deletes a group without child groups, and its member list. */
    @Transactional
    public void delete(Caller caller, UUID id, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        FleetGroup cur = current(tenantId, id, expectedVersion);
        if (groups.hasChildren(tenantId, id)) {
            throw new ApiException(ErrorCode.IN_USE, "the group has child groups; delete or move them first");
        }
        if (!groups.delete(tenantId, id, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "fleet group changed concurrently; read it again");
        }
        audit.recordDetails(tenantId, caller, "fleet_group.delete", "fleet_group", id.toString(),
                java.util.Map.of("name", cur.name()));
    }

    private FleetGroup current(UUID tenantId, UUID id, Long expectedVersion) {
        FleetGroup cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "fleet group has changed; its current ETag is \"" + cur.version() + "\"");
        }
        return cur;
    }

    /** Field rules, the parent chain (exists, no cycle, depth), the query, then the unique name. */
    private void validate(UUID tenantId, FleetGroup g, Violations v) {
        v.required("name", g.name()).maxLength("name", g.name(), 128)
                .pattern("name", g.name(), NO_CONTROL, "free of control characters");
        v.maxLength("description", g.description(), MAX_DESCRIPTION).pattern("description", g.description(),
                DESCRIPTION, "free of control characters other than line breaks and tabs");
        if (FleetGroup.DYNAMIC.equals(g.kind())) {
            v.required("query", g.query());
        } else if (g.query() != null) {
            v.add("query", "a static group has members, not a query");
        }
        if (g.parentId() != null) {
            parentChain(tenantId, g, v);
        }
        v.throwIfAny();
        if (g.query() != null) {
            FleetQuery.parse(g.query());
        }
        if (groups.nameTaken(tenantId, g.name(), g.id())) {
            throw nameTaken(g.name());
        }
    }

    private void parentChain(UUID tenantId, FleetGroup g, Violations v) {
        Set<UUID> seen = new HashSet<>();
        seen.add(g.id());
        UUID at = g.parentId();
        int depth = 1;
        while (at != null) {
            if (!seen.add(at)) {
                v.add("parent_id", "would make the group its own ancestor");
                return;
            }
            FleetGroup p = groups.find(tenantId, at).orElse(null);
            if (p == null) {
                v.add("parent_id", depth == 1 ? "no such group" : "the parent chain is broken");
                return;
            }
            if (++depth > MAX_DEPTH) {
                v.add("parent_id", "groups nest at most " + MAX_DEPTH + " levels deep");
                return;
            }
            at = p.parentId();
        }
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "a fleet group named '" + name + "' exists",
                java.util.List.of(new ApiException.FieldError("name", "is already used by another group")));
    }
}
