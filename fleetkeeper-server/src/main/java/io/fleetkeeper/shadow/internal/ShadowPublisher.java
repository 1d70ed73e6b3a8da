package io.fleetkeeper.shadow.internal;

import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.shadow.Shadow;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends shadow messages to a device over MQTT ({@link DeviceMessaging} routes them to the node holding the
 * device). Topics: {@code shadow/…} for the classic shadow, {@code shadow/name/<name>/…} for named ones.
 */
@Component
public class ShadowPublisher {

    private final ObjectProvider<DeviceMessaging> messaging;
    private final JsonMapper json;

    /** Messaging is looked up late: the endpoint calls every {@code ConnectionListener}, shadow's included. */
    ShadowPublisher(ObjectProvider<DeviceMessaging> messaging, JsonMapper json) {
        this.messaging = messaging;
        this.json = json;
    }

    /** The topic prefix of a shadow: {@code shadow/} or {@code shadow/name/<name>/}. */
    public static String prefix(String name) {
        return name == null || name.isEmpty() ? "shadow/" : "shadow/name/" + name + "/";
    }

    public void send(UUID tenantId, UUID deviceId, String name, String topic, Object payload) {
        messaging.getObject().publish(tenantId, deviceId, prefix(name) + topic, json.writeValueAsBytes(payload), 1);
    }

    /** The delta, on {@code …/update/delta}, when there is one. */
    public void delta(UUID tenantId, Shadow shadow) {
        if (shadow.state().delta() != null && !shadow.state().delta().isEmpty()) {
            send(tenantId, shadow.deviceId(), shadow.name(), "update/delta", shadow.delta());
        }
    }

    /**
     * Previous and current document after an update, on {@code …/update/documents}; neither is built when the
     * device cannot receive it (its session here has no matching subscription).
     */
    public void documents(UUID tenantId, Supplier<Shadow> previousDocument, Shadow current) {
        DeviceMessaging m = messaging.getObject();
        if (!m.mayReceive(tenantId, current.deviceId(), prefix(current.name()) + "update/documents")) {
            return;
        }
        Shadow previous = previousDocument.get();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("previous", previous);
        doc.put("current", current);
        doc.put("timestamp", current.timestamp());
        if (current.clientToken() != null) {
            doc.put("client_token", current.clientToken());
        }
        m.publish(tenantId, current.deviceId(), prefix(current.name()) + "update/documents",
                json.writeValueAsBytes(doc), 1);
    }
}
