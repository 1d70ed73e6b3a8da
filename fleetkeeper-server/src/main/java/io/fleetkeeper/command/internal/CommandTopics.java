package io.fleetkeeper.command.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.store.Ids;
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
 * The commands' MQTT side below {@code fk/<id>/}: the device hears {@code commands/<commandId>} and publishes
 * {@code commands/<commandId>/ack} and {@code commands/<commandId>/result}
 * ({@code {"status":"SUCCEEDED"|"FAILED"|"REJECTED","result":…}}). Subscribing to a filter covering the command topics
 * sends the undelivered commands (on a virtual thread). A refused result is answered on
 * {@code commands/<commandId>/result/rejected} with {@code {"code","detail"}}.
 */
@Component
class CommandTopics implements ConnectionListener, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(CommandTopics.class);

    private final CommandService commands;
    private final CommandPublisher publisher;
    private final ObjectProvider<DeviceMessaging> messaging;
    private final JsonMapper json;

    CommandTopics(CommandService commands, CommandPublisher publisher, ObjectProvider<DeviceMessaging> messaging,
            JsonMapper json) {
        this.commands = commands;
        this.publisher = publisher;
        this.messaging = messaging;
        this.json = json;
    }

    @Override
    public void afterSingletonsInstantiated() {
        messaging.getObject().consume("commands/+/ack", this::onAck);
        messaging.getObject().consume("commands/+/result", this::onResult);
    }

    void onAck(DeviceMessage m) {
        UUID id = commandId(m);
        if (id != null) {
            try {
                commands.acknowledge(m.tenantId(), m.deviceId(), id);
            } catch (ApiException e) {
                log.debug("ack of command {} by device {} ignored: {}", id, m.deviceId(), e.getMessage());
            }
        }
    }

    void onResult(DeviceMessage m) {
        UUID id = commandId(m);
        if (id == null) {
            return;
        }
        try {
            JsonNode body = json.readTree(m.payload());
            commands.report(m.tenantId(), m.deviceId(), id, body.path("status").isString() ? body.path("status").asString() : null,
                    body.get("result"));
        } catch (JacksonException e) {
            reject(m, id, "MALFORMED_REQUEST", "the result is not JSON");
        } catch (ApiException e) {
            reject(m, id, e.code().name(), e.getMessage());
        } catch (RuntimeException e) {
            log.warn("result of command {} by device {} failed", id, m.deviceId(), e);
        }
    }

    /** Tells the device why its result was refused, on {@code commands/<commandId>/result/rejected} (QoS 0). */
    private void reject(DeviceMessage m, UUID id, String code, String detail) {
        log.debug("result of command {} by device {} refused: {}", id, m.deviceId(), detail);
        Map<String, String> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("detail", detail);
        messaging.getObject().publish(m.tenantId(), m.deviceId(), "commands/" + id + "/result/rejected",
                json.writeValueAsBytes(body), 0);
    }

    @Override
    public void subscribed(ConnectionInfo connection, String suffixFilter) {
        if (!publisher.noteSubscription(connection, suffixFilter)) {
            return;
        }
        UUID tenantId = connection.tenantId();
        UUID deviceId = connection.deviceId();
        Thread.ofVirtual().name("commands-pending-" + deviceId).start(() -> {
            try {
                commands.sendPending(tenantId, deviceId);
            } catch (RuntimeException e) {
                log.warn("could not send pending commands to device {}", deviceId, e);
            }
        });
    }

    private static UUID commandId(DeviceMessage m) {
        String[] levels = m.suffix().split("/", -1);
        return levels.length == 3 ? Ids.parseOrNull(levels[1]) : null;
    }
}
