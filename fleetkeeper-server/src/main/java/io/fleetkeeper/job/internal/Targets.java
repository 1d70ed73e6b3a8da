package io.fleetkeeper.job.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.fleet.FleetGroupService;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.fleet.GroupMembership;
import io.fleetkeeper.job.NewJob;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What a job's target selects: a group's effective filter (evaluated at each page, so a dynamic group's
 * membership is the one at targeting time) or a fleet query, as a condition on the devices.
 */
@Component
public class Targets {

    private final FleetQueries queries;
    private final FleetGroupService groups;
    private final GroupMembership membership;

    Targets(FleetQueries queries, FleetGroupService groups, GroupMembership membership) {
        this.queries = queries;
        this.groups = groups;
        this.membership = membership;
    }

    /** The condition; 404 when the group is gone, 400 INVALID_QUERY for a bad query. */
    public DeviceCondition condition(UUID tenantId, NewJob.Target target) {
        if (target.groupId() != null) {
            return membership.effective(tenantId, groups.get(tenantId, UUID.fromString(target.groupId())));
        }
        return queries.compile(tenantId, queries.parse(target.query()));
    }
}
