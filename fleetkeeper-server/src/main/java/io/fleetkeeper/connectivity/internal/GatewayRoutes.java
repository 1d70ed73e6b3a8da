package io.fleetkeeper.connectivity.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.device.DeviceStatusChanged;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Gateways speaking for their children on {@code fk/<gatewayId>/children/<childId>/<suffix>}: which child a
 * gateway may act for (its own, active children of the same tenant; cached for a few seconds, dropped at once when
 * the child's status changes), the gateway to reach a child through, and the children a gateway announced as
 * connected (disconnected with it).
 */
@Component
public class GatewayRoutes {

    /** The level below a device's namespace under which a gateway speaks for a child. */
    static final String CHILDREN = "children/";

    /** A child as the cache remembers it; {@code parent} null when it has none. */
    private record Child(UUID tenantId, UUID parent, DeviceStatus status) {
    }

    /** A publication of a gateway for one of its children: the child and the suffix below its own namespace. */
    record ForChild(UUID childId, String suffix) {
    }

    private final ObjectProvider<DeviceService> devices;
    private final Cache<UUID, Optional<Child>> children = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterWrite(Duration.ofSeconds(10)).build();
    /** Per gateway device: the children it announced connected on this node, with the connection recorded. */
    private final ConcurrentHashMap<UUID, Map<UUID, ConnectionInfo>> announced = new ConcurrentHashMap<>();

    GatewayRoutes(ObjectProvider<DeviceService> devices) {
        this.devices = devices;
    }

    /** The child and suffix of {@code children/<childId>/<suffix>}, or null when {@code suffix} is not one. */
    static ForChild parse(String suffix) {
        if (!suffix.startsWith(CHILDREN)) {
            return null;
        }
        int slash = suffix.indexOf('/', CHILDREN.length());
        if (slash < 0 || slash == suffix.length() - 1) {
            return null;
        }
        try {
            return new ForChild(UUID.fromString(suffix.substring(CHILDREN.length(), slash)),
                    suffix.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether {@code gateway} may act for {@code child}: its active child in the same tenant. */
    boolean mayActFor(UUID tenantId, UUID gateway, UUID child) {
        Child c = lookup(tenantId, child);
        return c != null && gateway.equals(c.parent()) && c.status() == DeviceStatus.ACTIVE;
    }

    /**
     * For an external broker's hook, which knows the publishing device but not its tenant: whether a publication by
     * {@code deviceId} on {@code topic} (already checked to be in its namespace) is no gateway publication, or one
     * for an active child of that device. Read from the store each time: the broker caches its own decisions.
     */
    public boolean brokerMayPublish(UUID deviceId, String topic) {
        String ns = io.fleetkeeper.connectivity.MqttAccess.namespace(deviceId);
        ForChild child = topic.startsWith(ns) ? parse(topic.substring(ns.length())) : null;
        return child == null || devices.getObject().isActiveChild(deviceId, child.childId());
    }

    /** The gateway of {@code child}, or null. */
    UUID gatewayOf(UUID tenantId, UUID child) {
        Child c = lookup(tenantId, child);
        return c == null || c.status() != DeviceStatus.ACTIVE ? null : c.parent();
    }

    private Child lookup(UUID tenantId, UUID child) {
        return children.get(child, id -> {
            try {
                Device d = devices.getObject().get(tenantId, id);
                return Optional.of(new Child(tenantId, d.parentDeviceId(), d.status()));
            } catch (ApiException e) {
                return Optional.empty();
            }
        }).filter(c -> c.tenantId().equals(tenantId)).orElse(null);
    }

    /** Records a child announced connected through {@code gateway}; the previous announcement, if any. */
    ConnectionInfo connected(ConnectionInfo gateway, UUID child, Instant now) {
        ConnectionInfo info = new ConnectionInfo(gateway.connectionId() + "/" + child, gateway.tenantId(), child,
                gateway.nodeId(), now, gateway.remoteAddress(), gateway.protocol(), gateway.deviceId().toString(),
                gateway.keepAlive(), "gateway", true);
        announced.computeIfAbsent(gateway.deviceId(), g -> new ConcurrentHashMap<>()).put(child, info);
        return info;
    }

    /** Forgets a child announced through {@code gateway}; its recorded connection, or null. */
    ConnectionInfo disconnected(UUID gateway, UUID child) {
        Map<UUID, ConnectionInfo> m = announced.get(gateway);
        return m == null ? null : m.remove(child);
    }

    /** Forgets every child of a gateway whose connection ended; their recorded connections. */
    List<ConnectionInfo> gatewayGone(ConnectionInfo gateway) {
        Map<UUID, ConnectionInfo> m = announced.get(gateway.deviceId());
        if (m == null) {
            return List.of();
        }
        List<ConnectionInfo> gone = m.values().stream()
                .filter(c -> c.connectionId().startsWith(gateway.connectionId() + "/")).toList();
        gone.forEach(c -> m.remove(c.deviceId(), c));
        announced.computeIfPresent(gateway.deviceId(), (k, v) -> v.isEmpty() ? null : v);
        return gone;
    }

    /** A child whose status changed (suspended, decommissioned, purged) is looked up again; its announcement ends. */
    @EventListener
    void onStatusChanged(DeviceStatusChanged e) {
        children.invalidate(e.deviceId());
    }

    /** The announced connection of a child through any gateway on this node, removed; null when none. */
    ConnectionInfo forget(UUID child) {
        for (Map<UUID, ConnectionInfo> m : announced.values()) {
            ConnectionInfo c = m.remove(child);
            if (c != null) {
                return c;
            }
        }
        return null;
    }
}
