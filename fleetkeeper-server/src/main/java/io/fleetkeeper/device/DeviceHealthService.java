package io.fleetkeeper.device;

import io.fleetkeeper.device.internal.EventRepository;
import io.fleetkeeper.device.internal.EventRepository.NewEvent;
import io.fleetkeeper.device.internal.HealthRepository;
import io.fleetkeeper.device.internal.StatsRepository;
import io.fleetkeeper.store.AdHocQueries;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the health evaluator (telemetry feature) reads and writes of the registry: the devices due for evaluation,
 * which of them hold a live connection, and the outcome, applied with its count changes and
 * {@link DeviceHealth#CHANGED} events in one transaction (so the event feature's outbox row commits with it).
 */
@Service
public class DeviceHealthService {

    private final HealthRepository health;
    private final EventRepository events;
    private final StatsRepository stats;
    private final DeviceConnections connections;
    private final AdHocQueries adHoc;
    private final Clock clock;

    DeviceHealthService(HealthRepository health, EventRepository events, StatsRepository stats,
            DeviceConnections connections, AdHocQueries adHoc, Clock clock) {
        this.health = health;
        this.events = events;
        this.stats = stats;
        this.connections = connections;
        this.adHoc = adHoc;
        this.clock = clock;
    }

    /** Up to {@code limit} devices (of every tenant) whose health is due for evaluation at {@code now}. */
    public List<DeviceHealth.Due> due(long now, int limit) {
        return health.due(now, limit);
    }

    /** Those of the tenant's devices {@code ids} that hold a live connection. */
    public Set<UUID> connectedAmong(UUID tenantId, Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        DeviceCondition live = connections.connected(tenantId, "d.id");
        StringBuilder sql = new StringBuilder("SELECT d.id FROM devices d WHERE d.tenant_id = ? AND d.id IN (");
        List<Object> params = new ArrayList<>();
        params.add(tenantId.toString());
        for (UUID id : ids) {
            sql.append(params.size() == 1 ? "?" : ", ?");
            params.add(id.toString());
        }
        sql.append(") AND ").append(live.sql());
        params.addAll(live.params());
        Set<UUID> out = new HashSet<>();
        out.addAll(adHoc.list(sql.toString(), params, (rs, n) -> UUID.fromString(rs.getString(1))));
        return out;
    }

    /**
     * Applies the outcomes of one evaluation of the tenant's devices; a device heard since it was read is left for
     * the next run. Returns how many changed health.
     */
    @Transactional
    public int apply(UUID tenantId, List<DeviceHealth.Change> changes) {
        List<DeviceHealth.Change> applied = health.apply(tenantId, changes);
        Map<String, Long> deltas = new HashMap<>();
        List<NewEvent> history = new ArrayList<>();
        long now = clock.millis();
        for (DeviceHealth.Change c : applied) {
            if (!c.from().equals(c.to())) {
                deltas.merge("health\n" + c.from(), -1L, Long::sum);
                deltas.merge("health\n" + c.to(), 1L, Long::sum);
                history.add(new NewEvent(c.deviceId(), DeviceHealth.CHANGED, "system", c.details(), now));
            }
        }
        if (!history.isEmpty()) {
            stats.apply(tenantId, deltas);
            events.append(tenantId, history);
        }
        return history.size();
    }
}
