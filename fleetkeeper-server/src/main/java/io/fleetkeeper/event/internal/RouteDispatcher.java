package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.OutboxEvent;
import io.fleetkeeper.event.Route;
import io.fleetkeeper.store.AfterCommit;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads the sequenced outbox (cursor {@code routes}) and enqueues a delivery for every enabled route of the
 * event's tenant whose source and condition accept it, in the transaction that moves the cursor: each event
 * is queued for each route exactly once, in sequence order. Routes see only their own tenant's events. With
 * NATS the deliveries go to the route stream instead ({@link RouteStream}), and the cursor moves only once the
 * stream acknowledged them all.
 */
@Component
class RouteDispatcher {

    static final String CURSOR = "routes";

    private final OutboxRepository outbox;
    private final RouteRepository routes;
    private final DeliveryRepository deliveries;
    private final DeviceMatcher matcher;
    private final CloudEvents cloudEvents;
    private final Wakeups wakeups;
    private final RouteStream stream;
    private final EventProperties props;
    private final TransactionTemplate tx;
    private final Clock clock;

    RouteDispatcher(OutboxRepository outbox, RouteRepository routes, DeliveryRepository deliveries,
            DeviceMatcher matcher, CloudEvents cloudEvents, Wakeups wakeups, RouteStream stream, EventProperties props,
            PlatformTransactionManager txManager, Clock clock) {
        this.stream = stream;
        this.outbox = outbox;
        this.routes = routes;
        this.deliveries = deliveries;
        this.matcher = matcher;
        this.cloudEvents = cloudEvents;
        this.wakeups = wakeups;
        this.props = props;
        this.tx = new TransactionTemplate(txManager);
        this.clock = clock;
    }

    /**
     * Dispatches the next batch; true when it was full. Reads and matches before it opens a transaction (on
     * SQLite every transaction takes the write lock): a batch that no route takes only moves the cursor.
     */
    boolean dispatch() {
        long cursor = outbox.cursor(CURSOR, outbox::maxSeq);
        List<OutboxEvent> events = outbox.after(cursor, props.batchSize());
        if (events.isEmpty()) {
            return false;
        }
        long last = events.getLast().seq();
        List<DeliveryRepository.NewDelivery> queued = queued(events);
        if (queued.isEmpty()) {
            outbox.advance(CURSOR, last);
            return events.size() == props.batchSize();
        }
        Integer n = tx.execute(s -> {
            if (stream.enabled()) {
                if (!stream.publish(queued)) {
                    s.setRollbackOnly(); // NATS did not take them all: the same batch again next round
                    return 0;
                }
                outbox.advance(CURSOR, last);
                return events.size();
            }
            deliveries.enqueue(queued, clock.millis());
            outbox.advance(CURSOR, last);
            AfterCommit.run(wakeups.queued()::fire);
            return events.size();
        });
        return n != null && n == props.batchSize();
    }

    /** The deliveries of {@code events}: one per enabled route of its tenant that accepts it. */
    private List<DeliveryRepository.NewDelivery> queued(List<OutboxEvent> events) {
        Set<UUID> tenants = new LinkedHashSet<>();
        events.forEach(e -> tenants.add(e.tenantId()));
        List<DeliveryRepository.NewDelivery> queued = new ArrayList<>();
        for (RouteRepository.Stored stored : routes.enabled(tenants)) {
            Route route = stored.route();
            List<OutboxEvent> accepted = events.stream()
                    .filter(e -> e.tenantId().equals(stored.tenantId()) && route.accepts(e.type())).toList();
            Set<UUID> selected = matcher.matching(stored.tenantId(), route.condition(),
                    accepted.stream().map(OutboxEvent::deviceId).filter(java.util.Objects::nonNull).toList());
            for (OutboxEvent e : accepted) {
                if (route.condition() == null || (e.deviceId() != null && selected.contains(e.deviceId()))) {
                    queued.add(new DeliveryRepository.NewDelivery(e.tenantId(), route.id(), e.id(), e.type(),
                            e.deviceId(), cloudEvents.envelope(e)));
                }
            }
        }
        return queued;
    }
}
