package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.internal.ConnectionRepository.Close;
import io.fleetkeeper.connectivity.internal.ConnectionRepository.Upsert;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDeviceEvent;
import io.fleetkeeper.store.Times;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes one window of coalesced connection state in one transaction: connection rows, conditional closes,
 * {@code last_seen_at} (through {@link DeviceService#touchLastSeen}) and the device events (through
 * {@link DeviceService#recordEvents}), each as a JDBC batch.
 */
@Component
class StateWriter {

    private final ConnectionRepository connections;
    private final DeviceService devices;
    private final ConnectionEvents events;
    private final TransactionTemplate tx;
    private final Clock clock;

    StateWriter(ConnectionRepository connections, DeviceService devices, ConnectionEvents events,
            PlatformTransactionManager txManager, Clock clock) {
        this.connections = connections;
        this.devices = devices;
        this.events = events;
        this.tx = new TransactionTemplate(txManager);
        this.clock = clock;
    }

    void write(List<PendingState> batch) {
        List<PendingState> sorted = new ArrayList<>(batch);
        // One lock order for every writer (two nodes flushing the same devices cannot deadlock on PostgreSQL).
        sorted.sort(Comparator.comparing((PendingState s) -> s.tenantId).thenComparing(s -> s.deviceId));
        List<Upsert> upserts = new ArrayList<>();
        List<Close> closes = new ArrayList<>();
        Map<UUID, Map<UUID, Long>> seen = new TreeMap<>();
        Map<UUID, List<NewDeviceEvent>> history = new TreeMap<>();
        for (PendingState s : sorted) {
            if (s.latest != null) {
                upserts.add(new Upsert(s.latest, s.latestOpen, Times.millis(s.disconnectedAt), s.reason));
            } else if (s.closed != null) {
                closes.add(new Close(s.tenantId, s.deviceId, s.closed.connectionId(), s.closed.since().toEpochMilli(),
                        s.disconnectedAt.toEpochMilli(), s.reason));
            }
            if (s.lastSeen > 0) {
                seen.computeIfAbsent(s.tenantId, t -> new HashMap<>()).put(s.deviceId, s.lastSeen);
            }
            for (PendingState.Change ch : s.events) {
                history.computeIfAbsent(s.tenantId, t -> new ArrayList<>()).add(ch.connect()
                        ? events.connected(ch.info()) : events.disconnected(ch.info(), ch.reason(), ch.at()));
            }
        }
        long now = clock.millis();
        tx.executeWithoutResult(status -> {
            connections.upsert(upserts, now);
            connections.closeIfCurrent(closes, now);
            connections.noteOlderCloses(closes, now);
            seen.forEach(devices::touchLastSeen);
            history.forEach(devices::recordEvents);
        });
    }
}
