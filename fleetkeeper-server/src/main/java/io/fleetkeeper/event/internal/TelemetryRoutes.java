package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.EventTypes;
import io.fleetkeeper.event.OutboxEvent;
import io.fleetkeeper.event.Route;
import io.fleetkeeper.telemetry.StoredTelemetry;
import io.fleetkeeper.telemetry.TelemetryListener;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Routes with a telemetry source: told of each stored telemetry batch after its commit, matches it in memory
 * against the enabled telemetry routes (topic filter, payload condition), checks the fleet-query condition of the
 * routes that have one (one query per route and batch), and hands the matches to the same delivery machinery as
 * event routes, in one batch: the route stream with NATS, the delivery queue without. The routes are held in
 * memory by tenant, read again (one query for all tenants) after a route changes on this node and at least every
 * {@code telemetry-routes-refresh}, so a tenant without telemetry routes costs one map lookup per message.
 * Each message becomes a CloudEvent {@code io.fleetkeeper.telemetry.received} whose id is derived from the device
 * and message id: a message stored or announced twice is the same event, which the stream's duplicate window
 * and the delivery log's one row per route and event turn into one delivery.
 */
@Component
public class TelemetryRoutes implements TelemetryListener {

    private record Compiled(Route route, List<TelemetryFilter> filters, PayloadCondition payload) {

        boolean matches(StoredTelemetry m) {
            return filters.stream().anyMatch(f -> f.matches(m.deviceId(), m.stream()))
                    && (payload == null || payload.test(m.metrics()));
        }
    }

    private static final Logger log = LoggerFactory.getLogger(TelemetryRoutes.class);

    private final RouteRepository routes;
    private final DeliveryRepository deliveries;
    private final DeviceMatcher matcher;
    private final CloudEvents cloudEvents;
    private final RouteStream stream;
    private final Wakeups wakeups;
    private final EventProperties props;
    private final JsonMapper json;
    private final TransactionTemplate tx;
    private final Clock clock;
    private volatile Map<UUID, List<Compiled>> byTenant;
    private volatile long loadedAt;
    private volatile long loadedGeneration = -1;
    private final AtomicLong generation = new AtomicLong();

    TelemetryRoutes(RouteRepository routes, DeliveryRepository deliveries, DeviceMatcher matcher,
            CloudEvents cloudEvents, RouteStream stream, Wakeups wakeups, EventProperties props, JsonMapper json,
            PlatformTransactionManager txManager, Clock clock) {
        this.routes = routes;
        this.deliveries = deliveries;
        this.matcher = matcher;
        this.cloudEvents = cloudEvents;
        this.stream = stream;
        this.wakeups = wakeups;
        this.props = props;
        this.json = json;
        this.tx = new TransactionTemplate(txManager);
        this.clock = clock;
    }

    /** A route of this node changed (call after its commit): the routes are read again before the next message. */
    public void changed() {
        generation.incrementAndGet();
    }

    @Override
    public boolean wants(UUID tenantId) {
        return current().containsKey(tenantId);
    }

    @Override
    public void stored(List<StoredTelemetry> messages) {
        Map<UUID, List<Compiled>> all = current();
        Map<UUID, List<StoredTelemetry>> perTenant = new LinkedHashMap<>();
        messages.forEach(m -> perTenant.computeIfAbsent(m.tenantId(), k -> new ArrayList<>()).add(m));
        List<DeliveryRepository.NewDelivery> out = new ArrayList<>();
        perTenant.forEach((tenantId, ofTenant) -> {
            for (Compiled c : all.getOrDefault(tenantId, List.of())) {
                List<StoredTelemetry> matched = ofTenant.stream().filter(c::matches).toList();
                if (matched.isEmpty()) {
                    continue;
                }
                Set<UUID> selected = c.route().condition() == null ? null : matcher.matching(tenantId,
                        c.route().condition(), matched.stream().map(StoredTelemetry::deviceId).toList());
                for (StoredTelemetry m : matched) {
                    if (selected == null || selected.contains(m.deviceId())) {
                        String id = eventId(m);
                        out.add(new DeliveryRepository.NewDelivery(tenantId, c.route().id(), id,
                                EventTypes.TELEMETRY_RECEIVED, m.deviceId(), body(id, m)));
                    }
                }
            }
        });
        if (out.isEmpty()) {
            return;
        }
        if (stream.enabled()) {
            if (!stream.publish(out)) {
                throw new IllegalStateException("the route stream did not take " + out.size()
                        + " telemetry deliveries");
            }
            return;
        }
        tx.executeWithoutResult(s -> deliveries.enqueue(out, clock.millis()));
        wakeups.queued().fire();
    }

    /** The same id for the same message of a device, however often it is stored or announced. */
    static String eventId(StoredTelemetry m) {
        return UUID.nameUUIDFromBytes(("telemetry/" + m.tenantId() + "/" + m.deviceId() + "/" + m.msgId())
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The CloudEvent: data {@code {device_id, stream, ts, msg_id, metrics}}, time the message's. */
    private String body(String id, StoredTelemetry m) {
        ObjectNode data = json.createObjectNode();
        data.put("device_id", m.deviceId().toString());
        data.put("stream", m.stream());
        data.put("ts", m.ts().toString());
        data.put("msg_id", m.msgId());
        data.set("metrics", json.valueToTree(m.metrics()));
        return cloudEvents.envelope(new OutboxEvent(0, id, m.tenantId(), m.deviceId(), EventTypes.TELEMETRY_RECEIVED,
                json.writeValueAsString(data), m.ts()));
    }

    private boolean fresh() {
        return loadedGeneration == generation.get()
                && clock.millis() - loadedAt < props.telemetryRoutesRefresh().toMillis();
    }

    private Map<UUID, List<Compiled>> current() {
        Map<UUID, List<Compiled>> m = byTenant;
        if (m != null && fresh()) {
            return m;
        }
        synchronized (this) {
            if (byTenant != null && fresh()) {
                return byTenant;
            }
            long g = generation.get();
            Map<UUID, List<Compiled>> loaded = new HashMap<>();
            for (RouteRepository.Stored s : routes.enabledTelemetry()) {
                Route r = s.route();
                try {
                    List<TelemetryFilter> filters = r.source().stream().filter(TelemetryFilter::isTelemetry)
                            .map(TelemetryFilter::of).toList();
                    PayloadCondition payload = r.payloadCondition() == null ? null
                            : PayloadCondition.parse(r.payloadCondition());
                    loaded.computeIfAbsent(s.tenantId(), k -> new ArrayList<>()).add(new Compiled(r, filters,
                            payload));
                } catch (RuntimeException e) { // saved routes were checked; one that no longer parses is skipped
                    log.warn("telemetry route {} skipped: {}", r.id(), e.getMessage());
                }
            }
            byTenant = Map.copyOf(loaded);
            loadedAt = clock.millis();
            loadedGeneration = g;
            return byTenant;
        }
    }
}
