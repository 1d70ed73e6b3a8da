package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.connectivity.MqttAccess.TopicCheck;
import io.fleetkeeper.connectivity.internal.ConnAcks.Rejection;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import java.util.UUID;

/** The message a CONNECT leaves to be published when the connection ends without a clean DISCONNECT. */
record Will(String topic, byte[] payload, int qos) {

    /** The CONNECT's will, or null when it has none. */
    static Will of(MqttConnectMessage m) {
        return m.variableHeader().isWillFlag()
                ? new Will(m.payload().willTopic(), m.payload().willMessageInBytes(), m.variableHeader().willQos())
                : null;
    }

    /**
     * Why the device may not leave this will (the CONNACK refusing it), or null when it may: the topic must lie
     * in the device's own namespace, and QoS 2 is not supported.
     */
    Rejection check(MqttAccess access, UUID deviceId, boolean v5) {
        if (access.publish(deviceId, topic) != TopicCheck.ALLOWED) {
            return new Rejection(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                    "will topic outside the device's namespace");
        }
        if (qos > 1) {
            return new Rejection(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QOS_NOT_SUPPORTED
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, "will QoS 2 is not supported");
        }
        return null;
    }
}
