package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceConnections;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Answers the registry's questions about live connections from {@code device_connections}: the SQL behind
 * {@code ?connected=} and the fleet query field {@code connected}, and the connected count.
 */
@Component
class ConnectionConditions implements DeviceConnections {

    private final ConnectionRepository connections;

    ConnectionConditions(ConnectionRepository connections) {
        this.connections = connections;
    }

    @Override
    public DeviceCondition connected(UUID tenantId, String deviceId) {
        // A primary-key probe per device; NOT EXISTS (connected = false) plans as an anti-join on PostgreSQL.
        return new DeviceCondition("EXISTS (SELECT 1 FROM device_connections c WHERE c.tenant_id = ?"
                + " AND c.device_id = " + deviceId + " AND c.connected = ?)", List.of(tenantId.toString(), true));
    }

    @Override
    public long connectedCount(UUID tenantId) {
        return connections.connectedCount(tenantId);
    }
}
