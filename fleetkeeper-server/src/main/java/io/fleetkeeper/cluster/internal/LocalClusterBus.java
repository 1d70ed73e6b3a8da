package io.fleetkeeper.cluster.internal;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.ClusterMessage;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The bus of a single node: every message goes straight to this process's handlers. */
final class LocalClusterBus implements ClusterBus {

    private final String nodeId = UUID.randomUUID().toString();
    private final List<Consumer<ClusterMessage>> handlers = new CopyOnWriteArrayList<>();

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public void publish(ClusterMessage message) {
        for (Consumer<ClusterMessage> h : handlers) {
            h.accept(message);
        }
    }

    @Override
    public void subscribe(Consumer<ClusterMessage> handler) {
        handlers.add(handler);
    }
}
