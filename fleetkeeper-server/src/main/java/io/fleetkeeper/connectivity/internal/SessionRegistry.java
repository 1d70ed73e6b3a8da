package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.TopicFilters;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.ClusterMessage;
import io.fleetkeeper.cluster.ClusterMessage.Deliver;
import io.fleetkeeper.cluster.ClusterMessage.Kick;
import io.fleetkeeper.cluster.ClusterMessage.Takeover;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.connectivity.MqttAccess;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The sessions this node holds, by device, and the routing between them, the features and the other
 * nodes: takeover, kicks (revocation), delivery of feature messages, dispatch of device publications.
 */
@Component
class SessionRegistry implements DeviceMessaging {

    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);
    /** How long a kick is remembered, to refuse a connection whose authentication raced with it. */
    private static final long KICK_MEMORY_MS = 30_000;

    private record Registration(String filter, Consumer<DeviceMessage> consumer) {
    }

    private record Acknowledging(String filter, Function<DeviceMessage, CompletionStage<Receipt>> handler) {
    }

    private final ConcurrentHashMap<UUID, Session> sessions = new ConcurrentHashMap<>();

    /** Sessions with a live connection on this node (a metric: counts on each call). */
    long connectedCount() {
        return sessions.values().stream().filter(s -> s.connection() != null).count();
    }
    private final ConcurrentHashMap<UUID, Long> kickedAt = new ConcurrentHashMap<>();
    /** When a certificate was withdrawn (by fingerprint): a connection authenticating with it meanwhile is refused. */
    private final ConcurrentHashMap<String, Long> withdrawnAt = new ConcurrentHashMap<>();
    private final List<Registration> consumers = new CopyOnWriteArrayList<>();
    private final List<Acknowledging> acknowledging = new CopyOnWriteArrayList<>();
    /** Never shut down: virtual threads cost nothing idle, and the endpoint may be stopped and started again. */
    private final ExecutorService dispatch = Executors.newVirtualThreadPerTaskExecutor();
    private final ClusterBus bus;
    private final List<ConnectionListener> listeners;
    private final ConnectivityProperties props;
    private final Clock clock;
    private final GatewayRoutes gateways;
    /**
     * Devices that subscribed below {@code children/} on this node: the gateways a child's message may reach (kept
     * across reconnects, since a resumed session does not subscribe again; a stale entry costs only a look-up).
     */
    private final java.util.Set<UUID> gatewaysHere = ConcurrentHashMap.newKeySet();
    /**
     * Per gateway, per child it published for: when the child was last heard and when listeners were last told.
     * A child's {@code last_seen_at} moves at most once per {@code last-seen-interval}, as a direct device's does,
     * and to its last message when the gateway reports it gone or the gateway's own connection ends.
     */
    private final ConcurrentHashMap<UUID, ConcurrentHashMap<UUID, ChildSeen>> childrenSeen = new ConcurrentHashMap<>();

    /** A child's last message and last notice (clock millis); one gateway connection's thread updates it. */
    private static final class ChildSeen {
        private long heard;
        private long told = Long.MIN_VALUE;

        /** The child sent a message at {@code now}: whether listeners are due to hear of it. */
        synchronized boolean heard(long now, long everyMillis) {
            heard = now;
            if (told != Long.MIN_VALUE && now - told <= everyMillis) {
                return false;
            }
            told = now;
            return true;
        }

        /** The last message the listeners were not told of, or -1. */
        synchronized long untold() {
            return heard > told ? heard : -1;
        }
    }

    /** Without gateway routing (no device lookups): for handler tests without a store. */
    SessionRegistry(ClusterBus bus, List<ConnectionListener> listeners, ConnectivityProperties props, Clock clock) {
        this(bus, listeners, props, clock, new GatewayRoutes(null));
    }

    @org.springframework.beans.factory.annotation.Autowired
    SessionRegistry(ClusterBus bus, List<ConnectionListener> listeners, ConnectivityProperties props,
            Clock clock, GatewayRoutes gateways) {
        this.gateways = gateways;
        this.bus = bus;
        this.listeners = listeners;
        this.props = props;
        this.clock = clock;
        bus.subscribe(this::onClusterMessage);
    }

    String nodeId() {
        return bus.nodeId();
    }

    /**
     * Binds a newly authenticated connection to its device's session, closing any older connection of
     * the device here and, through the bus, on other nodes. {@code acknowledge} is told whether an existing
     * session was resumed (it sends the CONNACK) before the session resends anything.
     */
    void attach(MqttSessionHandler c, boolean cleanStart, int receiveMaximum, long connectStartedAt,
            java.util.function.Consumer<Boolean> acknowledge) {
        UUID device = c.deviceId();
        boolean[] resumed = {false};
        Session s = sessions.compute(device, (id, old) -> {
            if (old != null) {
                MqttSessionHandler previous = old.connection();
                if (previous != null) {
                    previous.close("taken over");
                }
                if (!cleanStart && old.tenantId.equals(c.tenantId())) {
                    resumed[0] = true;
                    return old;
                }
            }
            return new Session(c.tenantId(), device, props.maxInflight(), props.maxQueued());
        });
        c.bind(s);
        acknowledge.accept(resumed[0]);
        s.attach(c, receiveMaximum);
        bus.publish(new Takeover(bus.nodeId(), c.tenantId(), device, c.connectionId()));
        // A kick between the connect handler's check and this attach found no connection to close; it left its
        // mark first, so this second look sees it (the connection is now where the next kick would find it).
        if (kickedSince(device, c.tenantId(), c.fingerprint(), connectStartedAt)) {
            c.kick("revoked while connecting");
        }
    }

    /** The connection ended: a clean session goes, a persistent one waits for its expiry. */
    void detach(MqttSessionHandler c, Session s, long expiryMillis) {
        if (s.detach(c, expiryMillis <= 0 ? 0 : clock.millis() + expiryMillis) && expiryMillis <= 0) {
            sessions.remove(s.deviceId, s);
        }
    }

    /** Whether the device was kicked (revoked, suspended, ...) at or after {@code since}. */
    boolean kickedSince(UUID deviceId, UUID tenantId, String fingerprint, long since) {
        Long at = kickedAt.get(deviceId);
        Long tenantAt = kickedAt.get(tenantId);
        Long certificateAt = fingerprint == null ? null : withdrawnAt.get(fingerprint);
        return (at != null && at >= since) || (tenantAt != null && tenantAt >= since)
                || (certificateAt != null && certificateAt >= since);
    }

    /**
     * A device published inside its namespace: to the acknowledging handler that matches (whose receipt is
     * returned; null when none matches, and the publication is acknowledged at once), the features' consumers
     * and the device's own subscriptions.
     */
    CompletionStage<Receipt> inbound(Session s, String topic, byte[] payload, int qos) {
        String suffix = topic.substring(MqttAccess.namespace(s.deviceId).length());
        UUID deviceId = s.deviceId;
        GatewayRoutes.ForChild child = GatewayRoutes.parse(suffix);
        if (child != null) {
            // the handler checked that the gateway may act for this child
            MqttSessionHandler gateway = s.connection();
            switch (child.suffix()) {
                case "connect" -> {
                    if (gateway != null) {
                        notifyConnected(gateways.connected(gateway.info(), child.childId(), clock.instant()));
                    }
                    s.deliver(topic, payload, qos, true);
                    return null;
                }
                case "disconnect" -> {
                    var seen = childrenSeen.get(s.deviceId);
                    tellUntold(s.tenantId, child.childId(), seen == null ? null : seen.remove(child.childId()));
                    ConnectionInfo info = gateways.disconnected(s.deviceId, child.childId());
                    if (info != null) {
                        notifyDisconnected(info, "gateway reported disconnect");
                    }
                    s.deliver(topic, payload, qos, true);
                    return null;
                }
                default -> {
                    deviceId = child.childId();
                    suffix = child.suffix();
                    long now = clock.millis();
                    if (childrenSeen.computeIfAbsent(s.deviceId, g -> new ConcurrentHashMap<>())
                            .computeIfAbsent(deviceId, c -> new ChildSeen())
                            .heard(now, props.lastSeenInterval().toMillis())) {
                        notifySeen(s.tenantId, deviceId);
                    }
                }
            }
        }
        CompletionStage<Receipt> receipt = null;
        for (Acknowledging a : acknowledging) {
            if (TopicFilters.matches(a.filter(), suffix)) {
                try {
                    receipt = a.handler().apply(new DeviceMessage(s.tenantId, deviceId, suffix, payload, qos));
                } catch (RuntimeException e) {
                    log.warn("handler of {} failed: {}", a.filter(), e.toString());
                    receipt = CompletableFuture.failedFuture(e);
                }
                break;
            }
        }
        for (Registration r : consumers) {
            if (TopicFilters.matches(r.filter(), suffix)) {
                var message = new DeviceMessage(s.tenantId, deviceId, suffix, payload, qos);
                dispatch.execute(() -> {
                    try {
                        r.consumer().accept(message);
                    } catch (RuntimeException e) {
                        log.warn("consumer of {} failed: {}", r.filter(), e.toString());
                    }
                });
            }
        }
        s.deliver(topic, payload, qos, true);
        return receipt;
    }

    void notifyConnected(ConnectionInfo info) {
        for (ConnectionListener l : listeners) {
            safely(() -> l.connected(info));
        }
    }

    void notifyDisconnected(ConnectionInfo info, String reason) {
        Instant now = clock.instant();
        for (ConnectionListener l : listeners) {
            safely(() -> l.disconnected(info, reason, now));
        }
        if (!"gateway".equals(info.authentication())) {
            var seen = childrenSeen.remove(info.deviceId());
            if (seen != null) {
                seen.forEach((child, cs) -> tellUntold(info.tenantId(), child, cs));
            }
            for (ConnectionInfo child : gateways.gatewayGone(info)) {
                notifyDisconnected(child, "gateway disconnected");
            }
        }
    }

    /** Whether {@code gateway} may publish for {@code child} (its active child of the same tenant). */
    boolean mayActFor(UUID tenantId, UUID gateway, UUID child) {
        return gateways.mayActFor(tenantId, gateway, child);
    }

    /** A child suspended, decommissioned or purged: its connection through a gateway here ends. */
    @org.springframework.context.event.EventListener
    void onDeviceStatusChanged(io.fleetkeeper.device.DeviceStatusChanged e) {
        if (e.status() != io.fleetkeeper.device.DeviceStatus.ACTIVE) {
            for (var seen : childrenSeen.values()) {
                ChildSeen cs = seen.remove(e.deviceId());
                if (e.status() != null) { // a purged device has no last_seen_at to move
                    tellUntold(e.tenantId(), e.deviceId(), cs);
                }
            }
            ConnectionInfo child = gateways.forget(e.deviceId());
            if (child != null) {
                notifyDisconnected(child, e.status() == null ? "purged" : "device " + e.status().wire());
            }
        }
    }

    void notifySeen(UUID tenantId, UUID deviceId) {
        notifySeen(tenantId, deviceId, 0);
    }

    /** Tells listeners of a child's last message when they have not heard of it yet. */
    private void tellUntold(UUID tenantId, UUID child, ChildSeen seen) {
        long at = seen == null ? -1 : seen.untold();
        if (at >= 0) {
            notifySeen(tenantId, child, Instant.ofEpochMilli(at));
        }
    }

    /** The device was last heard {@code agoNanos} ago. */
    void notifySeen(UUID tenantId, UUID deviceId, long agoNanos) {
        notifySeen(tenantId, deviceId, clock.instant().minusNanos(agoNanos));
    }

    private void notifySeen(UUID tenantId, UUID deviceId, Instant at) {
        for (ConnectionListener l : listeners) {
            safely(() -> l.seen(tenantId, deviceId, at));
        }
    }

    void notifySubscribed(ConnectionInfo info, String suffixFilter) {
        if (suffixFilter.startsWith(GatewayRoutes.CHILDREN)) {
            gatewaysHere.add(info.deviceId());
        }
        for (ConnectionListener l : listeners) {
            safely(() -> l.subscribed(info, suffixFilter));
        }
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("connection listener failed: {}", e.toString());
        }
    }

    @Override
    public void publish(UUID tenantId, UUID deviceId, String suffix, byte[] payload, int qos) {
        if (!deliverHere(tenantId, deviceId, suffix, payload, qos)) {
            bus.publish(new Deliver(bus.nodeId(), tenantId, deviceId, suffix, payload, qos));
        }
    }

    private boolean deliverHere(UUID tenantId, UUID deviceId, String suffix, byte[] payload, int qos) {
        Session s = sessions.get(deviceId);
        if (s == null || !s.tenantId.equals(tenantId) || s.connection() == null && !gatewaysHere.isEmpty()) {
            return deliverThroughGateway(tenantId, deviceId, suffix, payload, qos) || s != null && s.tenantId.equals(
                    tenantId) && deliverTo(s, deviceId, suffix, payload, qos);
        }
        return deliverTo(s, deviceId, suffix, payload, qos);
    }

    /** To the child's gateway, when one connected here subscribed below {@code children/}. */
    private boolean deliverThroughGateway(UUID tenantId, UUID child, String suffix, byte[] payload, int qos) {
        if (gatewaysHere.isEmpty()) {
            return false;
        }
        UUID gateway = gateways.gatewayOf(tenantId, child);
        Session g = gateway == null || !gatewaysHere.contains(gateway) ? null : sessions.get(gateway);
        if (g == null || !g.tenantId.equals(tenantId)) {
            return false;
        }
        g.deliver(MqttAccess.namespace(gateway) + GatewayRoutes.CHILDREN + child + "/" + suffix, payload,
                Math.min(1, Math.max(0, qos)), false);
        return true;
    }

    private boolean deliverTo(Session s, UUID deviceId, String suffix, byte[] payload, int qos) {
        s.deliver(MqttAccess.namespace(deviceId) + suffix, payload, Math.min(1, Math.max(0, qos)), false);
        return true;
    }

    @Override
    public void consume(String suffixFilter, Consumer<DeviceMessage> consumer) {
        consumers.add(new Registration(suffixFilter, consumer));
    }

    @Override
    public void acknowledge(String suffixFilter, Function<DeviceMessage, CompletionStage<Receipt>> handler) {
        acknowledging.add(new Acknowledging(suffixFilter, handler));
    }

    @Override
    public boolean mayReceive(UUID tenantId, UUID deviceId, String suffix) {
        Session s = sessions.get(deviceId);
        if (s == null || !s.tenantId.equals(tenantId) || !gatewaysHere.isEmpty()) {
            return true; // held elsewhere, or perhaps through a gateway: only the holder knows
        }
        return s.subscribedTo(MqttAccess.namespace(deviceId) + suffix); // publish delivers to this session only
    }

    @Override
    public boolean connectedHere(UUID tenantId, UUID deviceId) {
        Session s = sessions.get(deviceId);
        return s != null && s.tenantId.equals(tenantId) && s.connection() != null;
    }

    private void onClusterMessage(ClusterMessage m) {
        switch (m) {
            case Kick k -> kick(k);
            case Takeover t -> {
                Session s = sessions.get(t.deviceId());
                MqttSessionHandler c = s == null ? null : s.connection();
                if (c != null && !c.connectionId().equals(t.keepConnectionId())) {
                    c.close("taken over");
                    if (!t.origin().equals(bus.nodeId())) {
                        sessions.remove(t.deviceId(), s);
                    }
                }
            }
            case Deliver d -> {
                if (!d.origin().equals(bus.nodeId())) {
                    deliverHere(d.tenantId(), d.deviceId(), d.suffix(), d.payload(), d.qos());
                }
            }
            default -> {
            }
        }
    }

    /** Closes the device's sessions here; the revocation relay drops its cached grants on every node. */
    private void kick(Kick k) {
        long now = clock.millis();
        if (k.fingerprint() != null) {
            withdrawnAt.put(k.fingerprint(), now);
            Session s = k.deviceId() == null ? null : sessions.get(k.deviceId());
            MqttSessionHandler c = s == null ? null : s.connection();
            if (k.close() && c != null && s.tenantId.equals(k.tenantId()) && k.fingerprint().equals(c.fingerprint())) {
                closeAndForget(s, k);
            }
            return;
        }
        kickedAt.put(k.deviceId() != null ? k.deviceId() : k.tenantId(), now);
        if (!k.close()) {
            return;
        }
        if (k.deviceId() != null) {
            Session s = sessions.get(k.deviceId());
            if (s != null && s.tenantId.equals(k.tenantId())) {
                closeAndForget(s, k);
            }
        } else {
            for (Session s : sessions.values()) {
                if (s.tenantId.equals(k.tenantId())) {
                    closeAndForget(s, k);
                }
            }
        }
    }

    private void closeAndForget(Session s, Kick k) {
        MqttSessionHandler c = s.connection();
        if (c != null && !c.connectionId().equals(k.keepConnectionId())) {
            c.kick(k.reason());
        }
        sessions.remove(s.deviceId, s);
    }

    /** Drops expired persistent sessions and old kick marks. */
    @Scheduled(fixedDelay = 30_000)
    void sweep() {
        long now = clock.millis();
        sessions.values().removeIf(s -> s.expired(now));
        kickedAt.values().removeIf(at -> at < now - KICK_MEMORY_MS);
        withdrawnAt.values().removeIf(at -> at < now - KICK_MEMORY_MS);
    }
}
