package io.fleetkeeper.cluster;

import java.util.function.Consumer;

/**
 * Carries {@link ClusterMessage}s to every server process: in-process when there is one node, Redis
 * pub/sub when {@code fleetkeeper.redis.url} is set. Delivery is best effort and at most once; every
 * subscriber of every node (this one included) gets each message.
 */
public interface ClusterBus {

    /** This process's node id (random per start). */
    String nodeId();

    /** Sends to all nodes; never blocks on the network. */
    void publish(ClusterMessage message);

    /** Registers a handler; handlers are called on a bus thread and must be quick. */
    void subscribe(Consumer<ClusterMessage> handler);
}
