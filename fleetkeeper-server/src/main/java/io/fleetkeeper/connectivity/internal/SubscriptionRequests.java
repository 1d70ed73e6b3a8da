package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.connectivity.MqttAccess.TopicCheck;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * SUBSCRIBE and UNSUBSCRIBE applied to a device's session: a filter is granted (at QoS 0 or 1) inside the
 * device's namespace and within the subscription limit; every other filter gets its refusal code, MQTT 5's
 * own or MQTT 3.1.1's 0x80.
 */
final class SubscriptionRequests {

    /** The SUBACK to send, and the filters granted (listeners hear of them). */
    record Subscribed(MqttSubAckMessage ack, List<String> granted) {
    }

    private SubscriptionRequests() {
    }

    static Subscribed subscribe(MqttSubscribeMessage m, Session session, MqttAccess access, UUID deviceId,
            int maxSubscriptions, boolean v5) {
        List<Integer> codes = new ArrayList<>();
        List<String> granted = new ArrayList<>();
        for (MqttTopicSubscription sub : m.payload().topicSubscriptions()) {
            String filter = sub.topicName();
            TopicCheck check = access.subscribe(deviceId, filter);
            if (check == TopicCheck.ALLOWED && session.subscriptionCount() >= maxSubscriptions
                    && !session.hasSubscription(filter)) {
                codes.add(v5 ? 0x97 : 0x80);
                continue;
            }
            switch (check) {
                case ALLOWED -> {
                    int qos = Math.min(1, sub.qualityOfService().value());
                    session.subscribe(filter, new Session.Subscription(qos, sub.option().isNoLocal()));
                    codes.add(qos);
                    granted.add(filter);
                }
                case NOT_AUTHORIZED -> codes.add(v5 ? 0x87 : 0x80);
                case INVALID -> codes.add(v5 ? 0x8F : 0x80);
                case SHARED_NOT_SUPPORTED -> codes.add(v5 ? 0x9E : 0x80);
            }
        }
        var ack = new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(m.idAndPropertiesVariableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes));
        return new Subscribed(ack, granted);
    }

    /** Removes the filters; MQTT 5's UNSUBACK says per filter whether it existed (0x11 when not). */
    static MqttUnsubAckMessage unsubscribe(MqttUnsubscribeMessage m, Session session, boolean v5) {
        List<Short> codes = new ArrayList<>();
        for (String filter : m.payload().topics()) {
            codes.add(session.unsubscribe(filter) ? (short) 0x00 : (short) 0x11);
        }
        var header = new MqttMessageIdAndPropertiesVariableHeader(
                m.idAndPropertiesVariableHeader().messageId(), MqttProperties.NO_PROPERTIES);
        return new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0), header,
                v5 ? new MqttUnsubAckPayload(codes) : null);
    }
}
