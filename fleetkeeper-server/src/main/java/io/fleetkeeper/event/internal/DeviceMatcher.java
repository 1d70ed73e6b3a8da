package io.fleetkeeper.event.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceConditions;
import io.fleetkeeper.device.DeviceField;
import io.fleetkeeper.device.DeviceIdQuery;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.store.AdHocQueries;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Which of a batch's devices a fleet query selects: one query per batch, with the ids as an IN list. */
@Component
public class DeviceMatcher {

    private final FleetQueries fleet;
    private final DeviceConditions conditions;
    private final DeviceService devices;
    private final AdHocQueries adHoc;

    DeviceMatcher(FleetQueries fleet, DeviceConditions conditions, DeviceService devices, AdHocQueries adHoc) {
        this.fleet = fleet;
        this.conditions = conditions;
        this.devices = devices;
        this.adHoc = adHoc;
    }

    /** The devices among {@code ids} that {@code query} selects now (all of {@code ids} when blank). */
    public Set<UUID> matching(UUID tenantId, String query, Collection<UUID> ids) {
        if (query == null || query.isBlank()) {
            return new HashSet<>(ids);
        }
        if (ids.isEmpty()) {
            return Set.of();
        }
        List<Object> values = ids.stream().map(id -> (Object) id.toString()).distinct().toList();
        DeviceCondition condition = DeviceCondition.and(fleet.compile(tenantId, query),
                conditions.test(tenantId, DeviceField.ID, null, DeviceConditions.Test.IN, values));
        DeviceIdQuery q = devices.matchingIdsQuery(tenantId, condition, null, null, values.size());
        return new HashSet<>(adHoc.list(q.sql(), q.params(), (rs, n) -> UUID.fromString(rs.getString(1))));
    }
}
