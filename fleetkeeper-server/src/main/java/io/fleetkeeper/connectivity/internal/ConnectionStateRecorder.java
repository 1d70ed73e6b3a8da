package io.fleetkeeper.connectivity.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.device.DeviceStatusChanged;
import io.fleetkeeper.deviceapi.DeviceHeard;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Records device connection state without touching the store on the endpoint's threads: connects,
 * disconnects and packets are coalesced in memory per device (one entry per device per window, whatever the
 * message rate) and written every {@code state-flush-interval} by {@link #flush()} in one transaction.
 * A failed flush keeps its state for the next one. {@link #stop()} flushes, so a clean stop loses nothing.
 *
 * <p>It runs in {@link #PHASE}: started before, and stopped after, the MQTT endpoint and the web server
 * (which use higher phases), so every disconnect they report while closing is still written.
 */
@Component
public class ConnectionStateRecorder implements ConnectionListener, SmartLifecycle {

    /** Lifecycle phase: lower than the endpoint's, so this starts first and stops last. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;
    private static final Logger log = LoggerFactory.getLogger(ConnectionStateRecorder.class);

    /** Keyed by device id (UUIDv7, unique across tenants). */
    private final ConcurrentHashMap<UUID, PendingState> pending = new ConcurrentHashMap<>();
    /** This node's open connections by device, re-asserted if the node was declared lost while alive. */
    private final ConcurrentHashMap<UUID, ConnectionInfo> open = new ConcurrentHashMap<>();
    /** Purged devices: late events about them are dropped instead of recreating their state. */
    private final Cache<UUID, Boolean> purged = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofHours(1)).build();
    private final ReentrantLock flushing = new ReentrantLock();
    private final StateWriter writer;
    private final NodeLiveness liveness;
    private final ConnectionRepository connections;
    private final ConnectivityProperties props;
    private volatile ScheduledExecutorService scheduler;

    ConnectionStateRecorder(StateWriter writer, NodeLiveness liveness, ConnectionRepository connections,
            ConnectivityProperties props) {
        this.writer = writer;
        this.liveness = liveness;
        this.connections = connections;
        this.props = props;
    }

    @Override
    public void connected(ConnectionInfo c) {
        if (purged.getIfPresent(c.deviceId()) != null) {
            return;
        }
        if (liveness.nodeId().equals(c.nodeId())) {
            open.merge(c.deviceId(), c, (cur, neu) -> neu.since().isBefore(cur.since()) ? cur : neu);
        }
        pending.compute(c.deviceId(), (k, s) -> {
            s = s == null ? new PendingState(c.tenantId(), c.deviceId()) : s;
            s.connected(c);
            return s;
        });
    }

    @Override
    public void disconnected(ConnectionInfo c, String reason, Instant at) {
        open.computeIfPresent(c.deviceId(), (k, cur) -> cur.connectionId().equals(c.connectionId()) ? null : cur);
        if (purged.getIfPresent(c.deviceId()) != null) {
            return;
        }
        pending.compute(c.deviceId(), (k, s) -> {
            s = s == null ? new PendingState(c.tenantId(), c.deviceId()) : s;
            s.disconnected(c, reason, at);
            return s;
        });
    }

    @Override
    public void seen(UUID tenantId, UUID deviceId, Instant at) {
        long millis = at.toEpochMilli();
        pending.compute(deviceId, (k, s) -> {
            s = s == null ? new PendingState(tenantId, deviceId) : s;
            s.seen(millis);
            return s;
        });
    }

    /** A device called the HTTPS device API: coalesced like MQTT traffic. */
    @EventListener
    void on(DeviceHeard heard) {
        if (purged.getIfPresent(heard.deviceId()) == null) {
            seen(heard.tenantId(), heard.deviceId(), heard.at());
        }
    }

    /** A purged device's state goes with it. */
    @EventListener
    void on(DeviceStatusChanged changed) {
        if (changed.status() == null) {
            purged.put(changed.deviceId(), Boolean.TRUE);
            pending.remove(changed.deviceId());
            connections.delete(changed.tenantId(), changed.deviceId());
        }
    }

    /**
     * Writes everything recorded so far, in one transaction; waits for a flush in progress first. Safe to call
     * from any thread (tests call it to skip the interval).
     */
    public void flush() {
        flushing.lock();
        try {
            List<PendingState> batch = new ArrayList<>();
            for (UUID device : pending.keySet()) {
                PendingState s = pending.remove(device);
                if (s != null) {
                    batch.add(s);
                }
            }
            if (batch.isEmpty()) {
                return;
            }
            try {
                writer.write(batch);
            } catch (RuntimeException e) {
                log.warn("writing the state of {} devices failed; retrying with the next flush: {}", batch.size(),
                        e.toString());
                for (PendingState older : batch) {
                    pending.merge(older.deviceId, older, (newer, old) -> {
                        newer.absorbOlder(old);
                        return newer;
                    });
                }
            }
        } finally {
            flushing.unlock();
        }
    }

    private void heartbeat() {
        try {
            if (!liveness.beat()) {
                log.warn("this node had been declared lost; re-recording its {} open connections", open.size());
                open.values().forEach(c -> pending.compute(c.deviceId(), (k, s) -> {
                    s = s == null ? new PendingState(c.tenantId(), c.deviceId()) : s;
                    s.stillOpen(c);
                    return s;
                }));
            }
            liveness.reapIfLeader();
        } catch (RuntimeException e) {
            log.warn("connectivity heartbeat failed: {}", e.toString());
        }
    }

    private void safeFlush() {
        try {
            flush();
        } catch (RuntimeException e) {
            log.error("connection state flush failed", e);
        }
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        // The first heartbeat comes before any connection row of this node can be written.
        liveness.beat();
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "connection-state");
            t.setDaemon(true);
            return t;
        });
        long flushMs = props.stateFlushInterval().toMillis();
        long beatMs = props.nodeHeartbeat().toMillis();
        s.scheduleWithFixedDelay(this::safeFlush, flushMs, flushMs, TimeUnit.MILLISECONDS);
        s.scheduleWithFixedDelay(this::heartbeat, beatMs, beatMs, TimeUnit.MILLISECONDS);
        scheduler = s;
    }

    @Override
    public synchronized void stop() {
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            return;
        }
        scheduler = null;
        s.shutdown();
        try {
            s.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        safeFlush();
        try {
            liveness.leave();
        } catch (RuntimeException e) {
            log.warn("could not mark this node's connections disconnected on stop: {}", e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
