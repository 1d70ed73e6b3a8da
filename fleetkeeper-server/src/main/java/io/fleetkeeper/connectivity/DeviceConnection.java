package io.fleetkeeper.connectivity;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A device's connection state as the store records it ({@code GET /api/v1/devices/{id}/connection}). The
 * connection fields describe the open connection, or the last one when the device is disconnected; all are
 * null for a device that never connected. The state lags the endpoint by at most the flush interval.
 *
 * @param since              when the (last) connection was accepted
 * @param keepAlive          the keep-alive the client asked for, in seconds
 * @param authentication     {@code certificate} or {@code device_key}
 * @param nodeId             the server process holding (or that held) the connection
 * @param lastDisconnectedAt when a connection of the device last ended
 * @param disconnectReason   why it ended, e.g. {@code client disconnect}, {@code taken over}, {@code node lost}
 * @param lastSeenAt         the device's {@code last_seen_at}: its last packet, as flushed
 */
public record DeviceConnection(UUID deviceId, boolean connected, @Nullable Instant since,
        @Nullable String remoteAddress, @Nullable String protocol, @Nullable String clientId,
        @Nullable Integer keepAlive, @Nullable String authentication, @Nullable String nodeId,
        @Nullable Instant lastDisconnectedAt, @Nullable String disconnectReason, @Nullable Instant lastSeenAt) {

    /** The state of a device that never connected. */
    public static DeviceConnection never(UUID deviceId, Instant lastSeenAt) {
        return new DeviceConnection(deviceId, false, null, null, null, null, null, null, null, null, null, lastSeenAt);
    }

    public DeviceConnection withLastSeenAt(Instant at) {
        return new DeviceConnection(deviceId, connected, since, remoteAddress, protocol, clientId, keepAlive,
                authentication, nodeId, lastDisconnectedAt, disconnectReason, at);
    }
}
