package io.fleetkeeper.connectivity;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The MQTT device endpoint.
 *
 * @param port                  MQTT over TLS port (default 8883); 0 picks a free port (tests), -1 disables the endpoint
 * @param host                  address to bind (default {@code 0.0.0.0})
 * @param ioThreads             network threads (default 0: two per core)
 * @param nativeTls             use BoringSSL through netty-tcnative when it loads (default true); false, or a
 *                              platform without it, uses the JDK's TLS
 * @param maxPacketSize         largest MQTT packet accepted, in bytes (default 131072)
 * @param maxSubscriptions      subscriptions per connection (default 50)
 * @param maxInflight           unacknowledged QoS 1 messages towards a device (default 32); further messages queue
 * @param maxQueued             QoS 1 messages queued per session beyond the in-flight window, online or offline
 *                              (default 1000); beyond it the oldest is dropped
 * @param publishesPerSecond    publishes a device may send per second, averaged with a burst of the same size
 *                              (default 100); beyond it the connection is closed
 * @param gatewayPublishesPerSecond publishes a gateway may send per second for all of its children together
 *                              ({@code fk/<gateway>/children/...}), averaged with a burst of the same size (default
 *                              5000); counted apart from its own {@code publishes-per-second}; beyond it the
 *                              connection is closed
 * @param connectTimeout        a socket that completes no TLS handshake and CONNECT within this is closed (default 10s)
 * @param sessionExpiry         how long a persistent (clean-session false) session outlives its connection when
 *                              the client names no expiry (MQTT 3.1.1); also the cap for MQTT 5 (default 1h)
 * @param maxTopicLength        longest topic or filter, in characters (default 256)
 * @param maxTopicLevels        most levels in a topic or filter, the namespace included (default 16)
 * @param internalAuthSecret    shared secret of the external-broker hooks ({@code X-Internal-Auth}); empty (the
 *                              default) disables them
 * @param stateFlushInterval    how often coalesced connection state ({@code device_connections}, {@code last_seen_at},
 *                              CONNECTED/DISCONNECTED events) is written, in one transaction (default 1s)
 * @param lastSeenInterval      while a device stays connected, its {@code last_seen_at} moves at most this often
 *                              (default 30s); when the connection ends it is set to the time of the last packet
 * @param nodeHeartbeat         how often this node writes its heartbeat to {@code connectivity_nodes} (default 10s)
 * @param nodeTimeout           a node whose heartbeat is older than this is lost: its connections are marked
 *                              disconnected with reason {@code node lost} (default 60s)
 * @param proxyProtocolFrom     IP addresses and CIDR blocks of TCP load balancers whose connections start with a
 *                              PROXY protocol header (v1 or v2) carrying the device's address (default empty:
 *                              none); a connection from a listed address without a valid header is closed
 */
@ConfigurationProperties("fleetkeeper.mqtt")
public record ConnectivityProperties(
        @DefaultValue("8883") int port,
        @DefaultValue("0.0.0.0") String host,
        @DefaultValue("0") int ioThreads,
        @DefaultValue("true") boolean nativeTls,
        @DefaultValue("131072") int maxPacketSize,
        @DefaultValue("50") int maxSubscriptions,
        @DefaultValue("32") int maxInflight,
        @DefaultValue("1000") int maxQueued,
        @DefaultValue("100") int publishesPerSecond,
        @DefaultValue("5000") int gatewayPublishesPerSecond,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("1h") Duration sessionExpiry,
        @DefaultValue("256") int maxTopicLength,
        @DefaultValue("16") int maxTopicLevels,
        @DefaultValue("") String internalAuthSecret,
        @DefaultValue("1s") Duration stateFlushInterval,
        @DefaultValue("30s") Duration lastSeenInterval,
        @DefaultValue("10s") Duration nodeHeartbeat,
        @DefaultValue("60s") Duration nodeTimeout,
        @DefaultValue List<String> proxyProtocolFrom) {

    public boolean enabled() {
        return port >= 0;
    }
}
