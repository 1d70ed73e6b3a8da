package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.connectivity.internal.ConnectionRepository.Close;
import io.fleetkeeper.connectivity.internal.ConnectionRepository.Open;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDeviceEvent;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Node liveness. Every node writes a heartbeat to {@code connectivity_nodes}; one node at a time (the
 * {@code connectivity-reaper} lease) marks the open connections of nodes silent for longer than
 * {@code node-timeout} as disconnected ({@code node lost}) and forgets those nodes. A node never touches
 * another live node's connections, and marks nothing at startup; on a clean stop it closes its own.
 */
@Component
public class NodeLiveness {

    private static final Logger log = LoggerFactory.getLogger(NodeLiveness.class);
    static final String LEASE = "connectivity-reaper";
    private static final int CHUNK = 1000;

    private final ConnectionRepository connections;
    private final DeviceService devices;
    private final ConnectionEvents events;
    private final Leases leases;
    private final TransactionTemplate tx;
    private final ConnectivityProperties props;
    private final Clock clock;
    private final String nodeId;

    NodeLiveness(ConnectionRepository connections, DeviceService devices, ConnectionEvents events, Leases leases,
            PlatformTransactionManager txManager, ConnectivityProperties props, Clock clock, ClusterBus bus) {
        this.connections = connections;
        this.devices = devices;
        this.events = events;
        this.leases = leases;
        this.tx = new TransactionTemplate(txManager);
        this.props = props;
        this.clock = clock;
        this.nodeId = bus.nodeId();
    }

    String nodeId() {
        return nodeId;
    }

    /** Writes this node's heartbeat; false when its row was missing (first beat, or declared lost meanwhile). */
    boolean beat() {
        return connections.heartbeat(nodeId, clock.millis());
    }

    /** Reaps lost nodes when this node holds the reaper lease. */
    void reapIfLeader() {
        if (leases.tryAcquire(LEASE, props.nodeHeartbeat().multipliedBy(3))) {
            reap();
        }
    }

    /** Marks the connections of every silent node (not this one) disconnected; returns how many. */
    public int reap() {
        long before = clock.millis() - props.nodeTimeout().toMillis();
        int closed = 0;
        for (String lost : connections.silentNodes(before, nodeId)) {
            int n = closeAll(lost, "node lost", "system");
            connections.deleteNode(lost);
            closed += n;
            log.warn("node {} sent no heartbeat for {}: marked its {} connections disconnected", lost,
                    props.nodeTimeout(), n);
        }
        return closed;
    }

    /** A clean stop: this node's connections still recorded open are closed, and its heartbeat removed. */
    void leave() {
        int n = closeAll(nodeId, "node stopped", "system");
        connections.deleteNode(nodeId);
        if (n > 0) {
            log.info("marked {} connections of this node disconnected on stop", n);
        }
    }

    private int closeAll(String node, String reason, String actor) {
        int total = 0;
        while (true) {
            List<Open> open = connections.openOn(node, CHUNK);
            if (open.isEmpty()) {
                return total;
            }
            int changed = tx.execute(s -> close(node, open, reason, actor));
            total += changed;
            if (changed == 0) {
                return total;
            }
        }
    }

    private int close(String node, List<Open> open, String reason, String actor) {
        long now = clock.millis();
        List<Close> closes = open.stream()
                .map(o -> new Close(o.tenantId(), o.deviceId(), o.connectionId(), o.since(), now, reason)).toList();
        int[] counts = connections.closeIfCurrent(closes, now);
        Map<UUID, List<NewDeviceEvent>> history = new TreeMap<>();
        int changed = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            changed++;
            Open o = open.get(i);
            history.computeIfAbsent(o.tenantId(), t -> new ArrayList<>()).add(events.disconnected(o.deviceId(),
                    o.connectionId(), reason, o.remoteAddress(), o.protocol(), node, actor, Instant.ofEpochMilli(now)));
        }
        history.forEach(devices::recordEvents);
        return changed;
    }
}
