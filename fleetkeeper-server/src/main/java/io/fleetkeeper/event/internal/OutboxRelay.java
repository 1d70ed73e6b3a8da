package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertProperties;
import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.NatsProperties;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The relay, on one node at a time (lease {@code events-relay}): gives committed outbox rows their sequence
 * numbers in the order it reads them, hands them to the route dispatcher, and drops relayed rows past the
 * retention that every reader has passed. A loop of its own on the same node and lease pushes desired-shadow
 * deltas as soon as their rows are sequenced, so a delta never waits for the routes' round. With
 * {@code fleetkeeper.nats.url} another loop (lease {@code events-nats}) forwards the sequence to JetStream.
 */
@Component
public class OutboxRelay implements SmartLifecycle {

    static final String NATS_CURSOR = "nats";
    private static final long CLEANUP_EVERY_MS = 60_000;

    private final OutboxRepository outbox;
    private final RouteDispatcher dispatcher;
    private final ShadowPushes shadowPushes;
    private final Leases leases;
    private final Wakeups wakeups;
    private final EventProperties props;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final Worker relay;
    private final Worker pushes;
    private final NatsForwarder nats;
    private final Worker natsWorker;
    private final boolean alertsEnabled;
    private long lastCleanup;

    OutboxRelay(OutboxRepository outbox, RouteDispatcher dispatcher, ShadowPushes shadowPushes, Leases leases, Wakeups wakeups,
            EventProperties props, NatsProperties natsProps, AlertProperties alertProps, CloudEvents cloudEvents,
            PlatformTransactionManager txManager, Clock clock) {
        this.outbox = outbox;
        this.dispatcher = dispatcher;
        this.shadowPushes = shadowPushes;
        this.leases = leases;
        this.wakeups = wakeups;
        this.props = props;
        this.alertsEnabled = alertProps.enabled();
        this.tx = new TransactionTemplate(txManager);
        this.clock = clock;
        this.relay = new Worker("events-relay", this::step, wakeups.written(), props.pollInterval());
        this.pushes = new Worker("events-shadow-push", this::pushStep, wakeups.sequenced(), props.pollInterval());
        if (natsProps.url().isBlank()) {
            nats = null;
            natsWorker = null;
        } else {
            nats = new NatsForwarder(natsProps.url(), natsProps.eventsStream(), NATS_CURSOR, outbox, cloudEvents,
                    props.batchSize());
            natsWorker = new Worker("events-nats", this::forward, wakeups.sequenced(), props.pollInterval());
        }
    }

    /** One round: sequence, dispatch to routes, clean up; true when more is waiting. One at a time per node. */
    public synchronized boolean step() {
        if (!leases.tryAcquire("events-relay", props.leaseTtl())) {
            return false;
        }
        boolean more = sequence();
        more |= dispatcher.dispatch();
        long now = clock.millis();
        if (now - lastCleanup > CLEANUP_EVERY_MS) {
            lastCleanup = now;
            cleanup(now);
        }
        return more;
    }

    /**
     * Sequences the next batch of committed rows; true when the batch was full. Reads them before it opens a
     * transaction (on SQLite every transaction takes the write lock), so a round with nothing new writes nothing;
     * only this node's relay sequences while it holds the lease, and a row sequenced meanwhile is skipped.
     */
    public boolean sequence() {
        List<Long> ids = outbox.unsequenced(props.batchSize());
        if (ids.isEmpty()) {
            return false;
        }
        tx.executeWithoutResult(s -> {
            outbox.sequence(ids, outbox.maxSeq() + 1);
            AfterCommit.run(wakeups.sequenced()::fire);
        });
        return ids.size() == props.batchSize();
    }

    /**
     * One round of the shadow pushes, on the node holding the relay's lease (taken and renewed by the relay's own
     * round, so this loop writes no lease); true when more is waiting.
     */
    boolean pushStep() {
        return leases.holds("events-relay") && shadowPushes.push(props.batchSize());
    }

    private boolean forward() {
        return leases.tryAcquire("events-nats", props.leaseTtl()) && nats.step();
    }

    private void cleanup(long now) {
        List<String> readers = new ArrayList<>(List.of(RouteDispatcher.CURSOR, ShadowPushes.CURSOR));
        if (alertsEnabled) {
            readers.add(EventAlerts.CURSOR);
        }
        if (nats != null) {
            readers.add(NATS_CURSOR);
        }
        long passed = outbox.slowest(readers, Long.MAX_VALUE);
        outbox.deleteRelayed(now - props.retention().toMillis(), passed);
    }

    @Override
    public void start() {
        if (props.relayEnabled()) {
            relay.start();
            pushes.start();
            if (natsWorker != null) {
                natsWorker.start();
            }
        }
    }

    @Override
    public void stop() {
        relay.stop();
        pushes.stop();
        if (natsWorker != null) {
            natsWorker.stop();
            nats.close();
        }
    }

    @Override
    public boolean isRunning() {
        return relay.isRunning();
    }
}
