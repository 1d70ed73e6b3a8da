package io.fleetkeeper.rotation.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.connectivity.TopicFilters;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.pki.RotationService;
import io.fleetkeeper.pki.RotationDelivery;
import io.fleetkeeper.pki.RotationDelivery.Deliverable;
import io.fleetkeeper.pki.RotationDelivery.Delivery;
import io.fleetkeeper.pki.RotationStarted;
import io.fleetkeeper.store.Ids;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rotation below {@code fk/<id>/}: the server sends each successor waiting for the device's confirmation on
 * {@code certificates/rotation} (QoS 1: {@code certificate_id}, {@code slot}, {@code certificate_pem},
 * {@code chain_pem}, {@code not_after}, and {@code private_key_pem} when the server generated its key) when it is
 * issued and whenever the device subscribes to a filter covering that topic; the device answers on {@code certificates/rotation/accepted} ({@code {"certificate_id"}}: the
 * successor becomes primary) or {@code certificates/rotation/rejected} ({@code {"certificate_id","reason"}}). A
 * refused answer is explained on {@code certificates/rotation/errors} ({@code {"certificate_id","code","detail"}}).
 * Connecting with the successor confirms it as well, without any message.
 */
@Component
class RotationTopics implements ConnectionListener, SmartInitializingSingleton {

    static final String TOPIC = "certificates/rotation";
    private static final Logger log = LoggerFactory.getLogger(RotationTopics.class);

    private final RotationService rotations;
    private final RotationDelivery delivery;
    private final ObjectProvider<DeviceMessaging> messaging;
    private final JsonMapper json;
    /** Devices connected here with a subscription covering {@link #TOPIC}: device id → connection id. */
    private final ConcurrentMap<UUID, String> subscribed = new ConcurrentHashMap<>();
    /** What was delivered to which live connection: {@code connectionId/slot/token}. */
    private final Set<String> served = ConcurrentHashMap.newKeySet();
    private final Object[] locks = new Object[64];

    RotationTopics(RotationService rotations, RotationDelivery delivery, ObjectProvider<DeviceMessaging> messaging,
            JsonMapper json) {
        this.rotations = rotations;
        this.delivery = delivery;
        this.messaging = messaging;
        this.json = json;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        messaging.getObject().consume(TOPIC + "/accepted", m -> answer(m, true));
        messaging.getObject().consume(TOPIC + "/rejected", m -> answer(m, false));
    }

    /**
     * A rotation started: to a device subscribed on this node, delivered at once; otherwise a successor with the same
     * key is still published (QoS 1: queued for an offline persistent session, or routed to the node holding the
     * device), while one with a server-generated key waits until the device subscribes or asks over HTTPS (the key
     * must reach a device that is there). On a virtual thread: the event comes after the issuing transaction
     * committed, maybe from a job's batch.
     */
    @EventListener
    void on(RotationStarted e) {
        Thread.ofVirtual().name("rotation-send-" + e.deviceId()).start(() -> {
            try {
                String connection = subscribedHere(e.tenantId(), e.deviceId());
                if (connection != null) {
                    deliverAll(e.tenantId(), e.deviceId(), connection);
                } else if (e.certificateId() != null) {
                    delivery.pending(e.tenantId(), e.deviceId(), e.slot()).ifPresent(s -> publish(e.tenantId(),
                            e.deviceId(), new Delivery(s.certificate(), s.chain(), null)));
                }
            } catch (RuntimeException ex) {
                log.warn("could not send the successor of device {}", e.deviceId(), ex);
            }
        });
    }

    @Override
    public void subscribed(ConnectionInfo connection, String suffixFilter) {
        if (!TopicFilters.matches(suffixFilter, TOPIC)) {
            return;
        }
        subscribed.put(connection.deviceId(), connection.connectionId());
        UUID tenantId = connection.tenantId();
        UUID deviceId = connection.deviceId();
        Thread.ofVirtual().name("rotation-pending-" + deviceId).start(() -> {
            try {
                deliverAll(tenantId, deviceId, connection.connectionId());
            } catch (RuntimeException e) {
                log.warn("could not send pending rotations to device {}", deviceId, e);
            }
        });
    }

    @Override
    public void disconnected(ConnectionInfo connection, String reason, Instant at) {
        subscribed.remove(connection.deviceId(), connection.connectionId());
        served.removeIf(k -> k.startsWith(connection.connectionId() + "/"));
    }

    /** The connection of the device that subscribed here, or null. */
    private String subscribedHere(UUID tenantId, UUID deviceId) {
        String connection = subscribed.get(deviceId);
        return connection != null && messaging.getObject().connectedHere(tenantId, deviceId) ? connection : null;
    }

    /**
     * Delivers what each slot has for the device, once per connection and delivery token: the subscription and the
     * start of a rotation may both ask at the same moment, and a second server-generated key would replace the
     * first one in flight.
     */
    private void deliverAll(UUID tenantId, UUID deviceId, String connectionId) {
        synchronized (lockOf(deviceId)) {
            for (Deliverable d : delivery.deliverable(tenantId, deviceId)) {
                if (served.add(connectionId + "/" + d.slot() + "/" + d.token())) {
                    delivery.deliver(tenantId, deviceId, d.slot(), "mqtt")
                            .ifPresent(delivery -> publish(tenantId, deviceId, delivery));
                }
            }
        }
    }

    private Object lockOf(UUID deviceId) {
        return locks[Math.floorMod(deviceId.hashCode(), locks.length)];
    }

    private void publish(UUID tenantId, UUID deviceId, Delivery d) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("certificate_id", d.certificate().id());
        body.put("slot", d.certificate().slot());
        body.put("certificate_pem", d.certificate().pem());
        body.put("chain_pem", Pem.chain(d.chain()));
        body.put("not_after", d.certificate().notAfter());
        if (d.privateKey() != null) {
            body.put("private_key_pem", Pem.pkcs8(d.privateKey()));
        }
        messaging.getObject().publish(tenantId, deviceId, TOPIC, json.writeValueAsBytes(body), 1);
    }

    private void answer(DeviceMessage m, boolean accepted) {
        UUID id = null;
        try {
            JsonNode body = json.readTree(m.payload());
            id = Ids.parseOrNull(body.path("certificate_id").asString(""));
            if (id == null) {
                error(m, null, "VALIDATION_FAILED", "certificate_id is required (the id sent on " + TOPIC + ")");
            } else if (accepted) {
                rotations.confirm(m.tenantId(), m.deviceId(), id, RotationService.BY_ACKNOWLEDGEMENT);
            } else {
                rotations.reject(m.tenantId(), m.deviceId(), id, body.path("reason").asString(null));
            }
        } catch (JacksonException e) {
            error(m, null, "MALFORMED_REQUEST", "the answer is not JSON");
        } catch (ApiException e) {
            error(m, id, e.code().name(), e.getMessage());
        } catch (RuntimeException e) {
            log.warn("rotation answer of device {} failed", m.deviceId(), e);
        }
    }

    private void error(DeviceMessage m, UUID id, String code, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("certificate_id", id);
        body.put("code", code);
        body.put("detail", detail);
        messaging.getObject().publish(m.tenantId(), m.deviceId(), TOPIC + "/errors", json.writeValueAsBytes(body), 0);
    }
}
