package io.fleetkeeper.connectivity.internal;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;

/**
 * What a CONNECT asks for, copied out of the packet (which is released before an authentication off the event
 * loop completes).
 *
 * @param version                the protocol level (4 = MQTT 3.1.1, 5 = MQTT 5)
 * @param expirySeconds          the session expiry the client asked for: MQTT 5's property, for MQTT 3.1.1
 *                               "forever" unless it asked for a clean session
 * @param receiveMaximum         QoS 1 messages the client takes unacknowledged (MQTT 5; else 65535)
 * @param maxOutboundPacket      the largest packet the client accepts (MQTT 5; else unlimited)
 * @param enhancedAuthentication whether an MQTT 5 authentication method was named (not supported)
 * @param will                   the will, or null
 */
record ConnectRequest(int version, String clientId, String username, byte[] password, boolean cleanStart,
        int keepAliveSeconds, long expirySeconds, int receiveMaximum, int maxOutboundPacket,
        boolean enhancedAuthentication, Will will) {

    static ConnectRequest of(MqttConnectMessage m) {
        var header = m.variableHeader();
        int version = header.version();
        boolean cleanStart = header.isCleanSession();
        long expirySeconds = 0;
        int receiveMaximum = 65535;
        int maxOutboundPacket = Integer.MAX_VALUE;
        boolean enhanced = false;
        if (version == MqttVersion.MQTT_5.protocolLevel()) {
            MqttProperties props = header.properties();
            if (props.getProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value())
                    instanceof MqttProperties.IntegerProperty p) {
                expirySeconds = Integer.toUnsignedLong(p.value());
            }
            if (props.getProperty(MqttPropertyType.RECEIVE_MAXIMUM.value())
                    instanceof MqttProperties.IntegerProperty p && p.value() > 0) {
                receiveMaximum = p.value();
            }
            if (props.getProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value())
                    instanceof MqttProperties.IntegerProperty p && p.value() > 0) {
                maxOutboundPacket = p.value();
            }
            enhanced = props.getProperty(MqttPropertyType.AUTHENTICATION_METHOD.value()) != null;
        } else if (!cleanStart) {
            expirySeconds = Long.MAX_VALUE / 1000;
        }
        return new ConnectRequest(version, m.payload().clientIdentifier(),
                header.hasUserName() ? m.payload().userName() : null,
                header.hasPassword() ? m.payload().passwordInBytes() : null, cleanStart,
                header.keepAliveTimeSeconds(), expirySeconds, receiveMaximum, maxOutboundPacket, enhanced,
                Will.of(m));
    }

    boolean v5() {
        return version == MqttVersion.MQTT_5.protocolLevel();
    }

    /** MQTT 3.1.1 and 5 are spoken; 3.1 and anything else is refused. */
    boolean supportedVersion() {
        return version == MqttVersion.MQTT_3_1_1.protocolLevel() || v5();
    }

    /** How long the session outlives the connection: what the client asked for, at most {@code cap}. */
    long sessionExpiryMs(Duration cap) {
        return Math.min(expirySeconds * 1000, cap.toMillis());
    }
}
