package io.fleetkeeper.shadow.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.connectivity.TopicFilters;

import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.shadow.Shadow;
import io.fleetkeeper.connectivity.DeviceMessaging.Receipt;
import io.fleetkeeper.shadow.ShadowProperties;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowService.Outcome;
import io.fleetkeeper.shadow.ShadowService.Report;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shadow's MQTT side, AWS IoT style, below the device's namespace {@code fk/<id>/}: the device publishes
 * {@code shadow/get} and {@code shadow/update} (named shadows: {@code shadow/name/<name>/get|update}) and
 * hears {@code …/get/accepted|rejected}, {@code …/update/accepted|rejected}, {@code …/update/delta} and
 * {@code …/update/documents}. Subscribing to a delta topic sends the current delta at once.
 *
 * <p>Updates are taken on the connection's network thread, in the order the device sent them, and written
 * together with other devices' updates by one writer ({@link GroupCommit}, {@link ShadowService#reportAll}); each
 * reply goes out after its write committed, in order. With {@code report-batch-size} 1 each update is written
 * alone on a virtual thread, as gets are. On shutdown the writer stops taking updates (a QoS 1 update then is not taken:
 * PUBACK 0x97 on MQTT 5, none on 3.1.1, and the device sends it again) and writes and answers what it queued before the MQTT endpoint closes the
 * connections (a higher {@link #PHASE}: stopped before it).
 */
@Component
class ShadowTopics implements ConnectionListener, SmartInitializingSingleton, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ShadowTopics.class);
    private static final CompletionStage<Receipt> ACCEPTED = CompletableFuture.completedFuture(Receipt.ACCEPTED);
    private static final CompletionStage<Receipt> UNAVAILABLE =
            CompletableFuture.completedFuture(Receipt.UNAVAILABLE);
    /** Stops before the MQTT endpoint ({@code Integer.MAX_VALUE - 512}), so queued updates are still answered. */
    static final int PHASE = Integer.MAX_VALUE - 256;

    /** An update taken off the network: its report, or why it is refused before anything is read. */
    private record Pending(DeviceMessage message, String name, String token, Report report, ApiException refused) {
    }

    private final ShadowService shadows;
    private final ShadowPublisher publisher;
    private final JsonMapper json;
    private final ObjectProvider<DeviceMessaging> messaging;
    private final ShadowProperties properties;
    /** Made at start-up, and again when the context starts after a stop (a paused test context does so). */
    private volatile GroupCommit<Pending> writer;
    private volatile boolean running;

    ShadowTopics(ShadowService shadows, ShadowPublisher publisher, ObjectProvider<DeviceMessaging> messaging,
            JsonMapper json, ShadowProperties properties) {
        this.shadows = shadows;
        this.publisher = publisher;
        this.messaging = messaging;
        this.json = json;
        this.properties = properties;
    }

    /** Registers as consumer once all beans exist (messaging depends on every listener, this one included). */
    @Override
    public void afterSingletonsInstantiated() {
        DeviceMessaging m = messaging.getObject();
        if (properties.reportBatchSize() > 1) {
            writer = newWriter();
            m.acknowledge("shadow/update", this::take);
            m.acknowledge("shadow/name/+/update", this::take);
        }
        m.consume("shadow/#", this::onMessage);
    }

    /** Starts a new writer if a stop closed the last one: a stopped context can be started again. */
    @Override
    public void start() {
        if (writer != null && writer.closed()) {
            writer = newWriter();
        }
        running = true;
    }

    private GroupCommit<Pending> newWriter() {
        return new GroupCommit<>("shadow-reports", properties.reportQueueSize(), properties.reportBatchSize(),
                properties.reportBatchWait(), this::write);
    }

    /** Writes and answers the queued updates; later ones are not taken (MQTT 5 PUBACK 0x97, 3.1.1 none). */
    @Override
    public void stop() {
        running = false;
        if (writer != null) {
            writer.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * On the network thread: parses the update and queues it for the writer (the PUBACK goes at once, as for any
     * shadow request). Should the queue be full, the update is refused on {@code update/rejected} with
     * {@code 429 RATE_LIMITED} and nothing is written: written apart from the queue, it could overtake the
     * device's earlier updates still waiting there. Once the writer stopped, it is refused without a PUBACK.
     */
    CompletionStage<Receipt> take(DeviceMessage m) {
        String[] levels = m.suffix().split("/", -1);
        String name = levels.length == 4 ? levels[2] : "";
        String token = null;
        Pending p;
        try {
            JsonNode body = m.payload().length == 0 ? json.createObjectNode() : json.readTree(m.payload());
            token = body.path("client_token").isString() ? body.path("client_token").asString() : null;
            Caller device = new Caller(m.tenantId(), "device:" + m.deviceId(), Role.OPERATOR);
            p = new Pending(m, name, token, new Report(device, m.deviceId(), name,
                    ShadowUpdate.parse(body, "reported", null)), null);
        } catch (JacksonException e) {
            p = new Pending(m, name, token, null, new ApiException(ErrorCode.MALFORMED_REQUEST,
                    "the payload is not JSON"));
        } catch (ApiException e) {
            p = new Pending(m, name, token, null, e);
        }
        GroupCommit<Pending> w = writer;
        if (!w.offer(p)) {
            if (w.closed()) {
                return UNAVAILABLE;
            }
            reject(m, name, "update", token, new ApiException(ErrorCode.RATE_LIMITED,
                    "too many shadow updates are waiting to be written; nothing was written, send it again later"));
        }
        return ACCEPTED;
    }

    /** On the writer thread: one transaction for the batch's reports, then every reply in order. */
    private void write(List<Pending> batch) {
        List<Report> reports = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            if (p.report() != null) {
                reports.add(p.report());
            }
        }
        List<Outcome> outcomes;
        try {
            outcomes = shadows.reportAll(reports);
        } catch (RuntimeException e) {
            log.warn("a batch of {} shadow updates failed", reports.size(), e);
            outcomes = null;
        }
        int next = 0;
        for (Pending p : batch) {
            DeviceMessage m = p.message();
            if (p.report() == null) {
                reject(m, p.name(), "update", p.token(), p.refused());
                continue;
            }
            Outcome o = outcomes == null ? null : outcomes.get(next++);
            if (o != null && o.shadow() != null) {
                publisher.send(m.tenantId(), m.deviceId(), p.name(), "update/accepted",
                        o.shadow().withClientToken(p.token()));
            } else if (o != null && o.error() instanceof ApiException e) {
                reject(m, p.name(), "update", p.token(), e);
            } else {
                if (o != null) {
                    log.warn("shadow {} of device {} failed", m.suffix(), m.deviceId(), o.error());
                }
                reject(m, p.name(), "update", p.token(), new ApiException(ErrorCode.INTERNAL_ERROR, "internal error"));
            }
        }
    }

    void onMessage(DeviceMessage m) {
        boolean updatesTaken = writer != null;
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
        if (!op.equals("get") && !op.equals("update") || op.equals("update") && updatesTaken) {
            return; // updates are the writer's (take)
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
        boolean wildcard = suffixFilter.indexOf('+') >= 0 || suffixFilter.indexOf('#') >= 0;
        if (!wildcard && !suffixFilter.endsWith("/update/delta")) {
            return; // names no delta topic (update/accepted, get/rejected, …): nothing to read
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
