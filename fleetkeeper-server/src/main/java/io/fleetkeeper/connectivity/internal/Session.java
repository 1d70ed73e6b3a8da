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
 * The three collections are made when first needed: most sessions sit idle with no message in flight, and
 * every byte an idle session holds is multiplied by the connections of a node.
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
    /** In the order they were made (null until the first). */
    private Map<String, Subscription> subscriptions;
    /** By packet id, oldest first (null until the first QoS 1 message goes out). */
    private Map<Integer, Outbound> inflight;
    /** Waiting for room in the window (null until the first has to wait). */
    private ArrayDeque<Outbound> queue;
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
        if (inflight != null) {
            inflight.forEach((id, o) -> c.sendPublish(o.topic(), o.payload(), 1, id, true));
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
        return subscriptions == null ? 0 : subscriptions.size();
    }

    synchronized void subscribe(String filter, Subscription s) {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>(4);
        }
        subscriptions.put(filter, s);
    }

    synchronized boolean hasSubscription(String filter) {
        return subscriptions != null && subscriptions.containsKey(filter);
    }

    synchronized boolean unsubscribe(String filter) {
        return subscriptions != null && subscriptions.remove(filter) != null;
    }

    /** Whether a subscription matches {@code topic} (what {@link #deliver} would send it on). */
    synchronized boolean subscribedTo(String topic) {
        if (subscriptions == null) { // connected, subscribed to nothing yet
            return false;
        }
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
        if (subscriptions == null) {
            return false;
        }
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
        if (queue == null) {
            queue = new ArrayDeque<>(4);
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
        if (inflight != null && inflight.remove(packetId) != null) {
            drain();
        }
    }

    private void drain() {
        if (queue == null) {
            return;
        }
        while (connection != null && (inflight == null || inflight.size() < receiveMaximum) && !queue.isEmpty()) {
            Outbound o = queue.poll();
            if (inflight == null) {
                inflight = new LinkedHashMap<>(4);
            }
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
