package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.Route;
import io.fleetkeeper.event.RouteDelivery;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Sends due route deliveries on one node at a time (lease {@code events-deliveries}): routes in parallel, each
 * route's in queue order, a device's events in order. A failed attempt is retried after an exponential backoff
 * with jitter ({@code retry-initial} doubling up to {@code retry-max}) until {@code retry-for} has passed since
 * the delivery was queued, then it is a dead letter. A route whose attempts fail {@code breaker-failures} times
 * in a row is held for {@code breaker-cooldown} (its circuit breaker opens), then tried with one delivery.
 * With NATS, first attempts come from the route stream ({@link RouteStream}) and only retries are queued here.
 */
@Component
public class DeliveryWorker implements SmartLifecycle {

    /** A route's circuit breaker, shared by the threads sending the route's deliveries. */
    private static final class Breaker {
        private int failures;
        private long openUntil;
        private boolean succeeded;

        synchronized boolean open(long now) {
            return now < openUntil;
        }

        synchronized void succeeded() {
            failures = 0;
            succeeded = true;
        }

        /**
         * Whether the route's last attempt succeeded: only then are its deliveries sent in parallel; a new route
         * or a failing one gets one attempt at a time, so its breaker opens after exactly its threshold.
         */
        synchronized boolean healthy() {
            return succeeded && failures == 0;
        }

        /** Counts a failure; the {@code threshold}-th in a row opens the breaker for {@code cooldownMs}. */
        synchronized void failed(long now, int threshold, long cooldownMs) {
            succeeded = false;
            if (++failures >= threshold) {
                openUntil = now + cooldownMs;
            }
        }
    }

    private final DeliveryRepository deliveries;
    private final RouteRepository routes;
    private final RouteSenders senders;
    private final Wakeups wakeups;
    private final Leases leases;
    private final EventProperties props;
    private final Clock clock;
    private final Worker worker;
    private final Map<UUID, Breaker> breakers = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

    public DeliveryWorker(DeliveryRepository deliveries, RouteRepository routes, RouteSenders senders,
            Leases leases, EventProperties props, Clock clock, Wakeups wakeups) {
        this.deliveries = deliveries;
        this.routes = routes;
        this.senders = senders;
        this.wakeups = wakeups;
        this.leases = leases;
        this.props = props;
        this.clock = clock;
        this.worker = new Worker("events-deliveries", this::step, wakeups.queued(), props.pollInterval());
    }

    /** Sends what is due now; true when a full batch was due. */
    public boolean step() {
        if (!leases.tryAcquire("events-deliveries", props.leaseTtl())) {
            return false;
        }
        long now = clock.millis();
        List<DeliveryRepository.Due> due = deliveries.due(now, props.batchSize());
        Map<UUID, List<DeliveryRepository.Due>> byRoute = new LinkedHashMap<>();
        due.forEach(d -> byRoute.computeIfAbsent(d.routeId(), k -> new ArrayList<>()).add(d));
        List<Future<?>> running = new ArrayList<>();
        byRoute.forEach((routeId, list) -> running.add(pool.submit(() -> sendAll(list))));
        await(running);
        return due.size() == props.batchSize();
    }

    private void sendAll(List<DeliveryRepository.Due> list) {
        DeliveryRepository.Due first = list.getFirst();
        Optional<RouteRepository.Stored> stored = routes.find(first.tenantId(), first.routeId());
        if (stored.isEmpty()) {
            long now = clock.millis();
            list.forEach(d -> deliveries.attempted(d.id(), RouteDelivery.DEAD, now, now, null, "route deleted", 0));
            return;
        }
        Route route = stored.get().route();
        if (!route.enabled()) {
            return;
        }
        byte[] key = senders.key(stored.get());
        Breaker breaker = breakers.computeIfAbsent(route.id(), k -> new Breaker());
        // each due delivery is the oldest pending one of its device: they can all go at once
        Semaphore slots = new Semaphore(Math.max(1, props.deliveryConcurrency()));
        List<Future<?>> running = new ArrayList<>();
        for (DeliveryRepository.Due d : list) {
            if (breaker.open(clock.millis())) {
                break;
            }
            run(breaker, slots, running, () -> {
                WebhookSender.Result r = senders.send(route.destination(), key, d.tenantId(), d.deviceId(),
                        d.eventId(), d.eventType(), d.body());
                Outcome o = outcome(breaker, r, d.attempts(), d.retrySince());
                deliveries.attempted(d.id(), o.status(), o.next(), o.now(), r.status(), r.error(), r.latencyMs());
            });
        }
        await(running);
    }

    private record Outcome(String status, long next, long now) {
    }

    /** The state after an attempt: delivered, pending again after a backoff, or dead past the retry period. */
    private Outcome outcome(Breaker breaker, WebhookSender.Result r, int attempts, long retrySince) {
        long now = clock.millis();
        if (r.ok()) {
            breaker.succeeded();
            return new Outcome(RouteDelivery.DELIVERED, now, now);
        }
        breaker.failed(now, props.breakerFailures(), props.breakerCooldown().toMillis());
        long deadline = retrySince + props.retryFor().toMillis();
        return now >= deadline ? new Outcome(RouteDelivery.DEAD, now, now)
                : new Outcome(RouteDelivery.PENDING, Math.min(now + backoff(attempts), deadline), now);
    }

    /**
     * Delivers messages taken from the route stream: routes in parallel, and within a route the devices in
     * parallel (at most {@code delivery-concurrency} at once), each device's events in order. An event already in
     * the delivery log (a message delivered again after a crash) is skipped. The log is read only for the
     * messages the stream delivers again ({@code redelivered}): a first delivery cannot have been logged, since a
     * copy published again inside the stream's duplicate window is dropped by the stream. An event whose route is
     * disabled, has its breaker open, or whose device still has an earlier delivery pending joins the delivery
     * queue (to keep a device's events in order), and so do the device's later events of the batch once one of
     * its attempts failed; the others are sent at once. The outcomes are logged as one batch before the queued
     * ones are added, so a device's pending delivery keeps its place ahead of its later events.
     */
    void deliverFromStream(List<DeliveryRepository.NewDelivery> batch,
            Predicate<DeliveryRepository.NewDelivery> redelivered) {
        Map<UUID, List<DeliveryRepository.NewDelivery>> byRoute = new LinkedHashMap<>();
        batch.forEach(d -> byRoute.computeIfAbsent(d.routeId(), k -> new ArrayList<>()).add(d));
        List<Future<?>> running = new ArrayList<>();
        byRoute.forEach((routeId, list) -> running.add(pool.submit(() -> sendFromStream(list, redelivered))));
        await(running);
    }

    private void sendFromStream(List<DeliveryRepository.NewDelivery> list,
            Predicate<DeliveryRepository.NewDelivery> redelivered) {
        DeliveryRepository.NewDelivery first = list.getFirst();
        Optional<RouteRepository.Stored> stored = routes.find(first.tenantId(), first.routeId());
        if (stored.isEmpty()) {
            return; // the route was deleted: nothing to deliver to
        }
        Route route = stored.get().route();
        byte[] key = senders.key(stored.get());
        Breaker breaker = breakers.computeIfAbsent(route.id(), k -> new Breaker());
        Set<String> logged = deliveries.loggedAmong(route.id(),
                list.stream().filter(redelivered).map(DeliveryRepository.NewDelivery::eventId).toList());
        Map<UUID, List<DeliveryRepository.NewDelivery>> lanes = new LinkedHashMap<>();
        for (DeliveryRepository.NewDelivery d : list) {
            if (!logged.contains(d.eventId())) {
                lanes.computeIfAbsent(d.deviceId() == null ? DeliveryRepository.NO_DEVICE : d.deviceId(),
                        k -> new ArrayList<>()).add(d);
            }
        }
        Set<UUID> pending = deliveries.pendingAmong(route.id(), lanes.keySet());
        List<Lane> sent = new ArrayList<>();
        List<DeliveryRepository.NewDelivery> queue = new ArrayList<>();
        Semaphore slots = new Semaphore(Math.max(1, props.deliveryConcurrency()));
        List<Future<?>> running = new ArrayList<>();
        lanes.forEach((device, events) -> {
            if (!route.enabled() || breaker.open(clock.millis()) || pending.contains(device)) {
                queue.addAll(events);
                return;
            }
            Lane lane = new Lane(events);
            sent.add(lane);
            run(breaker, slots, running, () -> lane.send(route, key, breaker));
        });
        await(running);
        List<DeliveryRepository.Attempt> attempts = new ArrayList<>();
        for (Lane lane : sent) {
            attempts.addAll(lane.attempts);
            queue.addAll(lane.held);
        }
        deliveries.logAttempts(attempts);
        deliveries.enqueue(queue, clock.millis());
        if (!queue.isEmpty() || attempts.stream().anyMatch(a -> a.status().equals(RouteDelivery.PENDING))) {
            wakeups.queued().fire();
        }
    }

    /** One device's events of a batch, sent in order until one fails; the rest is held for the queue. */
    private final class Lane {
        final List<DeliveryRepository.NewDelivery> events;
        final List<DeliveryRepository.Attempt> attempts = new ArrayList<>();
        final List<DeliveryRepository.NewDelivery> held = new ArrayList<>();
        boolean failed;

        Lane(List<DeliveryRepository.NewDelivery> events) {
            this.events = events;
        }

        void send(Route route, byte[] key, Breaker breaker) {
            for (DeliveryRepository.NewDelivery d : events) {
                long now = clock.millis();
                if (failed || !held.isEmpty() || breaker.open(now)) {
                    held.add(d);
                    continue;
                }
                WebhookSender.Result r = senders.send(route.destination(), key, d.tenantId(), d.deviceId(),
                        d.eventId(), d.eventType(), d.body());
                Outcome o = outcome(breaker, r, 0, now);
                attempts.add(new DeliveryRepository.Attempt(d, o.status(), o.next(), o.now(), r.status(), r.error(),
                        r.latencyMs()));
                failed = o.status().equals(RouteDelivery.PENDING); // later events go behind the pending one
            }
        }
    }

    /**
     * Runs a route's send task: on a pool thread, within the route's {@code slots}, while the route is healthy;
     * otherwise here, after the ones running, one at a time.
     */
    private void run(Breaker breaker, Semaphore slots, List<Future<?>> running, Runnable task) {
        if (!breaker.healthy()) {
            await(running);
            running.clear();
            task.run();
            return;
        }
        slots.acquireUninterruptibly();
        running.add(pool.submit(() -> {
            try {
                task.run();
            } finally {
                slots.release();
            }
        }));
    }

    private static void await(List<Future<?>> running) {
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** The delay after the attempt numbered {@code attempts + 1} failed: doubling, capped, half of it jitter. */
    long backoff(int attempts) {
        long base = props.retryInitial().toMillis();
        long delay = Math.min(props.retryMax().toMillis(), base << Math.min(attempts, 30));
        return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    }

    /** Whether a route's breaker holds its deliveries now. */
    public boolean breakerOpen(UUID routeId) {
        Breaker b = breakers.get(routeId);
        return b != null && b.open(clock.millis());
    }

    @Override
    public void start() {
        if (props.deliveryEnabled()) {
            worker.start();
        }
    }

    @Override
    public void stop() {
        worker.stop();
    }

    @jakarta.annotation.PreDestroy
    void close() {
        pool.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return worker.isRunning();
    }
}
