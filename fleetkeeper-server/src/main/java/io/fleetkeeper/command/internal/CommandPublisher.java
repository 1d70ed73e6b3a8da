package io.fleetkeeper.command.internal;

import io.fleetkeeper.connectivity.TopicFilters;

import io.fleetkeeper.command.Command;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.DeviceMessaging;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends a command to a device on {@code fk/<id>/commands/<commandId>} (QoS 1) and remembers which devices
 * hold a subscription matching their command topics on this node (a connection's subscriptions end with it).
 */
@Component
public class CommandPublisher implements ConnectionListener {

    private final ObjectProvider<DeviceMessaging> messaging;
    private final JsonMapper json;
    private final ConcurrentMap<UUID, String> subscribed = new ConcurrentHashMap<>();

    CommandPublisher(ObjectProvider<DeviceMessaging> messaging, JsonMapper json) {
        this.messaging = messaging;
        this.json = json;
    }

    public void send(UUID tenantId, Command c) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", c.id());
        body.put("name", c.name());
        body.put("payload", c.payload());
        body.put("expires_at", c.expiresAt());
        if (c.jobId() != null) {
            body.put("job_id", c.jobId());
        }
        messaging.getObject().publish(tenantId, c.deviceId(), "commands/" + c.id(), json.writeValueAsBytes(body), 1);
    }

    /** Whether the device, connected to this node, subscribed to a filter that covers its command topics. */
    public boolean subscribedHere(UUID deviceId) {
        return subscribed.containsKey(deviceId);
    }

    /** Records a command subscription; true when {@code suffixFilter} covers {@code commands/<id>}. */
    public boolean noteSubscription(ConnectionInfo connection, String suffixFilter) {
        if (!TopicFilters.matches(suffixFilter, "commands/x")) {
            return false;
        }
        subscribed.put(connection.deviceId(), connection.connectionId());
        return true;
    }

    @Override
    public void disconnected(ConnectionInfo connection, String reason, Instant at) {
        subscribed.remove(connection.deviceId(), connection.connectionId());
    }

}
