package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.TopicFilters;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The MQTT session state of one device on this node: its subscriptions and its QoS 1 messages in flight
 * and queued. It outlives its connection when the client asked for a persistent session. Every method
 * synchronizes on the session: deliveries come from any thread, packets from the connection's event loop.
 */
final class Session {

    /** A subscription's options: the granted QoS and MQTT 5's no-local flag. */
    record Subscription(int qos, boolean noLocal) {
    }

    /** A QoS 1 message towards the device. */
    record Outbound(String topic, byte[] payload) {
    }

    final UUID tenantId;
    final UUID deviceId;
    private final int maxInflight;
    private final int maxQueued;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    private final LinkedHashMap<Integer, Outbound> inflight = new LinkedHashMap<>();
    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    private MqttSessionHandler connection;
    private int nextPacketId;
    private int receiveMaximum;
    private long expiresAt = Long.MAX_VALUE;

    Session(UUID tenantId, UUID deviceId, int maxInflight, int maxQueued) {
        this.tenantId = tenantId;
        this.deviceId = deviceId;
        this.maxInflight = maxInflight;
        this.maxQueued = maxQueued;
        this.receiveMaximum = maxInflight;
    }

    synchronized MqttSessionHandler connection() {
        return connection;
    }

    /** Binds a connection; resends what was in flight (DUP) and then what was queued. */
    synchronized void attach(MqttSessionHandler c, int clientReceiveMaximum) {
        connection = c;
        receiveMaximum = Math.max(1, Math.min(maxInflight, clientReceiveMaximum));
        expiresAt = Long.MAX_VALUE;
        for (var e : inflight.entrySet()) {
            c.sendPublish(e.getValue().topic(), e.getValue().payload(), 1, e.getKey(), true);
        }
        drain();
    }

    /** Unbinds {@code c} if it is still the session's connection; true when it was. */
    synchronized boolean detach(MqttSessionHandler c, long expiresAt) {
        if (connection != c) {
            return false;
        }
        connection = null;
        this.expiresAt = expiresAt;
        return true;
    }

    synchronized boolean expired(long now) {
        return connection == null && now >= expiresAt;
    }

    synchronized int subscriptionCount() {
        return subscriptions.size();
    }

    synchronized void subscribe(String filter, Subscription s) {
        subscriptions.put(filter, s);
    }

    synchronized boolean hasSubscription(String filter) {
        return subscriptions.containsKey(filter);
    }

    synchronized boolean unsubscribe(String filter) {
        return subscriptions.remove(filter) != null;
    }

    /** Whether a subscription matches {@code topic} (what {@link #deliver} would send it on). */
    synchronized boolean subscribedTo(String topic) {
        for (String filter : subscriptions.keySet()) {
            if (TopicFilters.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sends a message published to {@code topic} if a subscription matches, at the lower of the two QoS.
     * QoS 1 beyond the in-flight window, or while the persistent session is offline, waits in the queue.
     *
     * @param fromSelf whether the device itself published it (MQTT 5 no-local subscriptions skip it)
     * @return whether a subscription matched
     */
    synchronized boolean deliver(String topic, byte[] payload, int qos, boolean fromSelf) {
        int granted = -1;
        for (var e : subscriptions.entrySet()) {
            if ((!fromSelf || !e.getValue().noLocal()) && TopicFilters.matches(e.getKey(), topic)) {
                granted = Math.max(granted, e.getValue().qos());
            }
        }
        if (granted < 0) {
            return false;
        }
        if (Math.min(granted, qos) == 0) {
            if (connection != null) {
                connection.sendPublish(topic, payload, 0, 0, false);
            }
            return true;
        }
        queue.add(new Outbound(topic, payload));
        if (queue.size() > maxQueued) {
            queue.poll();
        }
        drain();
        return true;
    }

    /** The device acknowledged a QoS 1 message: the window moves on. */
    synchronized void acknowledged(int packetId) {
        if (inflight.remove(packetId) != null) {
            drain();
        }
    }

    private void drain() {
        while (connection != null && inflight.size() < receiveMaximum && !queue.isEmpty()) {
            Outbound o = queue.poll();
            int id = nextId();
            inflight.put(id, o);
            connection.sendPublish(o.topic(), o.payload(), 1, id, false);
        }
    }

    private int nextId() {
        do {
            nextPacketId = nextPacketId % 65535 + 1;
        } while (inflight.containsKey(nextPacketId));
        return nextPacketId;
    }
}
