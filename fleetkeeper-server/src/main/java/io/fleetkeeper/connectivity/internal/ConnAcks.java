package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.MqttAccess.Refused;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;

/** The CONNACKs the endpoint sends, and which code answers which refusal in MQTT 3.1.1 and in MQTT 5. */
final class ConnAcks {

    /** A refused CONNECT: the CONNACK code, and the reason the connection is closed with. */
    record Rejection(MqttConnectReturnCode code, String reason) {
    }

    private ConnAcks() {
    }

    /** An authentication refusal (bad client id, bad credentials, not authorized) in the client's version. */
    static Rejection refused(Refused r, boolean v5) {
        MqttConnectReturnCode code = switch (r.refusal()) {
            case BAD_CLIENT_ID -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
            case BAD_CREDENTIALS -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
            case NOT_AUTHORIZED -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
        };
        return new Rejection(code, "refused: " + r.detail());
    }

    /** The store could not be asked: the client may retry later. */
    static Rejection serverUnavailable(boolean v5) {
        return new Rejection(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, "authentication failed: store unavailable");
    }

    /** A protocol level other than MQTT 3.1.1 or 5; {@code detail} completes the close reason. */
    static Rejection unacceptableVersion(String detail) {
        return new Rejection(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION,
                "unsupported protocol version" + detail);
    }

    /** The CONNACK refusing a connection (MQTT 5 with an empty property set). */
    static MqttConnAckMessage refusal(MqttConnectReturnCode code, boolean v5) {
        var b = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false);
        if (v5) {
            b.properties(new MqttMessageBuilders.ConnAckPropertiesBuilder().build());
        }
        return b.build();
    }

    /** The CONNACK accepting a connection; MQTT 5 also learns what this endpoint supports and grants. */
    static MqttConnAckMessage accepted(boolean sessionPresent, boolean v5, int maxPacketSize,
            long sessionExpirySeconds) {
        var b = MqttMessageBuilders.connAck().returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
                .sessionPresent(sessionPresent);
        if (v5) {
            b.properties(new MqttMessageBuilders.ConnAckPropertiesBuilder()
                    .maximumQos((byte) 1).retainAvailable(false).sharedSubscriptionAvailable(false)
                    .wildcardSubscriptionAvailable(true).subscriptionIdentifiersAvailable(false)
                    .topicAliasMaximum(0).maximumPacketSize(maxPacketSize)
                    .receiveMaximum(65535).sessionExpiryInterval(sessionExpirySeconds).build());
        }
        return b.build();
    }
}
