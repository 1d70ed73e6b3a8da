package io.fleetkeeper.connectivity;

import java.time.Instant;
import java.util.UUID;

/**
 * One live device connection, as the node holding it sees it.
 *
 * @param connectionId   unique per connection (a reconnect gets a new one)
 * @param nodeId         the server process holding the connection
 * @param since          when the CONNECT was accepted
 * @param remoteAddress  the peer's address and port
 * @param protocol       {@code MQTT 3.1.1} or {@code MQTT 5}
 * @param clientId       the MQTT client identifier (equal to the device id)
 * @param keepAlive      the keep-alive the client asked for, in seconds (0 = none)
 * @param authentication {@code certificate} or {@code device_key}
 * @param cleanStart     whether the client asked for a clean session
 */
public record ConnectionInfo(String connectionId, UUID tenantId, UUID deviceId, String nodeId, Instant since,
        String remoteAddress, String protocol, String clientId, int keepAlive, String authentication,
        boolean cleanStart) {
}
