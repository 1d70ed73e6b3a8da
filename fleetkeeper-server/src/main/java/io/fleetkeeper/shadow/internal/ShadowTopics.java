package io.fleetkeeper.shadow.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.connectivity.TopicFilters;

import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.shadow.Shadow;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shadow's MQTT side, AWS IoT style, below the device's namespace {@code fk/<id>/}: the device publishes
 * {@code shadow/get} and {@code shadow/update} (named shadows: {@code shadow/name/<name>/get|update}) and
 * hears {@code …/get/accepted|rejected}, {@code …/update/accepted|rejected}, {@code …/update/delta} and
 * {@code …/update/documents}. Subscribing to a delta topic sends the current delta at once.
 */
@Component
class ShadowTopics implements ConnectionListener, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(ShadowTopics.class);

    private final ShadowService shadows;
    private final ShadowPublisher publisher;
    private final JsonMapper json;
    private final ObjectProvider<DeviceMessaging> messaging;

    ShadowTopics(ShadowService shadows, ShadowPublisher publisher, ObjectProvider<DeviceMessaging> messaging,
            JsonMapper json) {
        this.shadows = shadows;
        this.publisher = publisher;
        this.messaging = messaging;
        this.json = json;
    }

    /** Registers as consumer once all beans exist (messaging depends on every listener, this one included). */
    @Override
    public void afterSingletonsInstantiated() {
        messaging.getObject().consume("shadow/#", this::onMessage);
    }

    void onMessage(DeviceMessage m) {
        String[] levels = m.suffix().split("/", -1);
        String name;
        String op;
        if (levels.length == 2) {
            name = "";
            op = levels[1];
        } else if (levels.length == 4 && levels[1].equals("name")) {
            name = levels[2];
            op = levels[3];
        } else {
            return; // replies and anything else below shadow/ are not requests
        }
        if (!op.equals("get") && !op.equals("update")) {
            return;
        }
        String token = null;
        try {
            JsonNode body = m.payload().length == 0 ? json.createObjectNode() : json.readTree(m.payload());
            token = body.path("client_token").isString() ? body.path("client_token").asString() : null;
            Shadow result;
            if (op.equals("get")) {
                result = shadows.get(m.tenantId(), m.deviceId(), name);
            } else {
                Caller device = new Caller(m.tenantId(), "device:" + m.deviceId(), Role.OPERATOR);
                result = shadows.update(device, m.deviceId(), name,
                        ShadowUpdate.parse(body, "reported", null));
            }
            publisher.send(m.tenantId(), m.deviceId(), name, op + "/accepted", result.withClientToken(token));
        } catch (JacksonException e) {
            reject(m, name, op, token, new ApiException(ErrorCode.MALFORMED_REQUEST, "the payload is not JSON"));
        } catch (ApiException e) {
            reject(m, name, op, token, e);
        } catch (RuntimeException e) {
            log.warn("shadow {} of device {} failed", m.suffix(), m.deviceId(), e);
            reject(m, name, op, token, new ApiException(ErrorCode.INTERNAL_ERROR, "internal error"));
        }
    }

    private void reject(DeviceMessage m, String name, String op, String token, ApiException e) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("status", e.code().status().value());
        error.put("code", e.code().name());
        error.put("message", e.getMessage());
        if (!e.errors().isEmpty()) {
            error.put("errors", e.errors());
        }
        if (token != null) {
            error.put("client_token", token);
        }
        publisher.send(m.tenantId(), m.deviceId(), name, op + "/rejected", error);
    }

    /** A device subscribing to a delta topic gets the current delta (read on a virtual thread). */
    @Override
    public void subscribed(ConnectionInfo connection, String suffixFilter) {
        if (!suffixFilter.startsWith("shadow/") && !suffixFilter.equals("#") && !suffixFilter.startsWith("+")) {
            return;
        }
        UUID tenantId = connection.tenantId();
        UUID deviceId = connection.deviceId();
        Thread.ofVirtual().name("shadow-delta-" + deviceId).start(() -> {
            try {
                for (Shadow s : shadows.all(tenantId, deviceId)) {
                    if (TopicFilters.matches(suffixFilter, ShadowPublisher.prefix(s.name()) + "update/delta")) {
                        publisher.delta(tenantId, s);
                    }
                }
            } catch (RuntimeException e) {
                log.warn("could not send the shadow delta to device {}", deviceId, e);
            }
        });
    }

}
