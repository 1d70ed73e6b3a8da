package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionStates;
import io.fleetkeeper.device.NewDeviceEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** The CONNECTED and DISCONNECTED device events, with their details as JSON. */
@Component
class ConnectionEvents {

    private final JsonMapper json;

    ConnectionEvents(JsonMapper json) {
        this.json = json;
    }

    NewDeviceEvent connected(ConnectionInfo c) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("connection_id", c.connectionId());
        d.put("remote_address", c.remoteAddress());
        d.put("protocol", c.protocol());
        d.put("client_id", c.clientId());
        d.put("keep_alive", c.keepAlive());
        d.put("authentication", c.authentication());
        d.put("clean_start", c.cleanStart());
        d.put("node_id", c.nodeId());
        return new NewDeviceEvent(c.deviceId(), ConnectionStates.CONNECTED, actor(c.deviceId()),
                json.writeValueAsString(d), c.since());
    }

    NewDeviceEvent disconnected(ConnectionInfo c, String reason, Instant at) {
        return disconnected(c.deviceId(), c.connectionId(), reason, c.remoteAddress(), c.protocol(), c.nodeId(),
                actor(c.deviceId()), at);
    }

    NewDeviceEvent disconnected(UUID deviceId, String connectionId, String reason, String remoteAddress,
            String protocol, String nodeId, String actor, Instant at) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("connection_id", connectionId);
        d.put("reason", reason);
        d.put("remote_address", remoteAddress);
        d.put("protocol", protocol);
        d.put("node_id", nodeId);
        return new NewDeviceEvent(deviceId, ConnectionStates.DISCONNECTED, actor, json.writeValueAsString(d), at);
    }

    private static String actor(UUID deviceId) {
        return "device:" + deviceId;
    }
}
