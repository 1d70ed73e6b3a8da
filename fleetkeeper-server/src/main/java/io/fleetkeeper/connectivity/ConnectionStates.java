package io.fleetkeeper.connectivity;

import io.fleetkeeper.connectivity.internal.ConnectionRepository;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import java.util.UUID;
import org.springframework.stereotype.Service;

/** Reads recorded device connection state. Recording is {@code internal.ConnectionStateRecorder}'s. */
@Service
public class ConnectionStates {

    /** Device event types connectivity appends. */
    public static final String CONNECTED = "CONNECTED";
    public static final String DISCONNECTED = "DISCONNECTED";

    private final DeviceService devices;
    private final ConnectionRepository connections;

    ConnectionStates(DeviceService devices, ConnectionRepository connections) {
        this.devices = devices;
        this.connections = connections;
    }

    /** The device's connection state; 404 for a device that is not the tenant's. */
    public DeviceConnection get(UUID tenantId, UUID deviceId) {
        Device device = devices.get(tenantId, deviceId);
        return connections.find(tenantId, deviceId).map(c -> c.withLastSeenAt(device.lastSeenAt()))
                .orElseGet(() -> DeviceConnection.never(deviceId, device.lastSeenAt()));
    }
}
