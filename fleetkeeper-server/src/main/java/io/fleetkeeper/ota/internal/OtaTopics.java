package io.fleetkeeper.ota.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.connectivity.TopicFilters;
import io.fleetkeeper.ota.DeploymentService;
import io.fleetkeeper.ota.OtaProperties;
import io.fleetkeeper.ota.OtaStatusReport;
import io.fleetkeeper.store.AfterCommit;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * OTA below {@code fk/<id>/}: the device hears its next execution's manifest on {@code ota/notify} (QoS 1) when it
 * is offered or asked to cancel, and whenever the device subscribes to a filter covering that topic, and reports on
 * {@code ota/<execution>/status} ({@code {"status","progress"?,"detail"?,"version"?}}). A refused report is
 * answered on {@code ota/<execution>/status/rejected} with {@code {"code","detail"}} (and {@code next_open}
 * for MAINTENANCE_WINDOW_CLOSED). A manifest sent to a device
 * subscribed on this node marks the execution NOTIFIED.
 */
@Component
public class OtaTopics implements ConnectionListener, SmartInitializingSingleton {

    static final String NOTIFY = "ota/notify";
    private static final Logger log = LoggerFactory.getLogger(OtaTopics.class);

    /** A provider, not the service: the service depends on this class (a cycle resolved on first use). */
    private final ObjectProvider<DeploymentService> deployments;
    private final ObjectProvider<DeviceMessaging> messaging;
    private final JsonMapper json;
    /** Devices connected here with a subscription covering {@link #NOTIFY}: device id → connection id. */
    private final ConcurrentMap<UUID, String> subscribed = new ConcurrentHashMap<>();
    private final OtaProperties props;
    private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final Set<UUID> waiting = ConcurrentHashMap.newKeySet();
    private int senders;

    OtaTopics(ObjectProvider<DeploymentService> deployments, ObjectProvider<DeviceMessaging> messaging, JsonMapper json,
            OtaProperties props) {
        this.props = props;
        this.deployments = deployments;
        this.messaging = messaging;
        this.json = json;
    }

    @Override
    public void afterSingletonsInstantiated() {
        messaging.getObject().consume("ota/+/status", this::onStatus);
    }

    /**
     * The device was offered an update or asked to cancel one: once the transaction commits, it hears its next
     * manifest.
     */
    public void tell(UUID tenantId, UUID deviceId) {
        AfterCommit.run(() -> notifyLater(tenantId, deviceId));
    }

    /**
     * Queues a device for its manifest; {@code notify-concurrency} senders work the queue, so a campaign offering
     * a million devices does not start a million sends at once (each needs a database connection). A device
     * already waiting is queued once.
     */
    private void notifyLater(UUID tenantId, UUID deviceId) {
        if (waiting.add(deviceId)) {
            queue.add(new Pending(tenantId, deviceId));
            synchronized (this) {
                if (senders < props.notifyConcurrency()) {
                    senders++;
                    Thread.ofVirtual().name("ota-notify").start(this::drain);
                }
            }
        }
    }

    private record Pending(UUID tenantId, UUID deviceId) {
    }

    private void drain() {
        while (true) {
            Pending p = queue.poll();
            if (p == null) {
                synchronized (this) {
                    if (queue.isEmpty()) {
                        senders--;
                        return;
                    }
                }
                continue;
            }
            waiting.remove(p.deviceId());
            send(p.tenantId(), p.deviceId());
        }
    }

    @Override
    public void subscribed(ConnectionInfo connection, String suffixFilter) {
        if (!TopicFilters.matches(suffixFilter, NOTIFY)) {
            return;
        }
        subscribed.put(connection.deviceId(), connection.connectionId());
        UUID tenantId = connection.tenantId();
        UUID deviceId = connection.deviceId();
        Thread.ofVirtual().name("ota-pending-" + deviceId).start(() -> send(tenantId, deviceId));
    }

    @Override
    public void disconnected(ConnectionInfo connection, String reason, Instant at) {
        subscribed.remove(connection.deviceId(), connection.connectionId());
    }

    /**
     * Publishes the device's next manifest: to a device subscribed here it is delivered (NOTIFIED); otherwise it is
     * still published at QoS 1 (queued for a persistent session, or routed to the node holding the device).
     */
    private void send(UUID tenantId, UUID deviceId) {
        try {
            boolean here = subscribed.containsKey(deviceId) && messaging.getObject().connectedHere(tenantId, deviceId);
            deployments.getObject().nextManifest(tenantId, deviceId, here).ifPresent(m -> messaging.getObject()
                    .publish(tenantId, deviceId, NOTIFY, json.writeValueAsBytes(m), 1));
        } catch (RuntimeException e) {
            log.warn("could not send the OTA manifest to device {}", deviceId, e);
        }
    }

    void onStatus(DeviceMessage m) {
        String execution = m.suffix().split("/", -1)[1];
        try {
            long id = Long.parseLong(execution);
            OtaStatusReport report = json.readValue(m.payload(), OtaStatusReport.class);
            deployments.getObject().reportStatus(m.tenantId(), m.deviceId(), id, report);
        } catch (NumberFormatException e) {
            reject(m, execution, "NOT_FOUND", "execution not found");
        } catch (UnrecognizedPropertyException e) {
            reject(m, execution, "UNKNOWN_FIELD", e.getPropertyName() + " is not a field of a report (status,"
                    + " progress, detail, version)");
        } catch (JacksonException e) {
            reject(m, execution, "MALFORMED_REQUEST", "the report is not a JSON object of status, progress, detail"
                    + " and version");
        } catch (ApiException e) {
            reject(m, execution, e.code().name(), e.getMessage(), e.properties());
        } catch (RuntimeException e) {
            log.warn("OTA report of device {} on execution {} failed", m.deviceId(), execution, e);
        }
    }

    private void reject(DeviceMessage m, String execution, String code, String detail) {
        reject(m, execution, code, detail, Map.of());
    }

    /**
     * Tells the device why its report was refused, on {@code ota/<execution>/status/rejected} (QoS 0):
     * {@code code}, {@code detail} and the problem's other members (such as {@code next_open}).
     */
    private void reject(DeviceMessage m, String execution, String code, String detail, Map<String, Object> more) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("detail", detail);
        body.putAll(more);
        messaging.getObject().publish(m.tenantId(), m.deviceId(), "ota/" + execution + "/status/rejected",
                json.writeValueAsBytes(body), 0);
    }
}
