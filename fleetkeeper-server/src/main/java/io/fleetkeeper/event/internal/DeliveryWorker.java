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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
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

    private static final class Breaker {
        int failures;
        long openUntil;
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
        for (DeliveryRepository.Due d : list) {
            if (clock.millis() < breaker.openUntil) {
                return;
            }
            WebhookSender.Result r = senders.send(route.destination(), key, d.tenantId(), d.deviceId(), d.eventId(),
                    d.eventType(), d.body());
            Outcome o = outcome(breaker, r, d.attempts(), d.retrySince());
            deliveries.attempted(d.id(), o.status(), o.next(), o.now(), r.status(), r.error(), r.latencyMs());
        }
    }

    private record Outcome(String status, long next, long now) {
    }

    /** The state after an attempt: delivered, pending again after a backoff, or dead past the retry period. */
    private Outcome outcome(Breaker breaker, WebhookSender.Result r, int attempts, long retrySince) {
        long now = clock.millis();
        if (r.ok()) {
            breaker.failures = 0;
            return new Outcome(RouteDelivery.DELIVERED, now, now);
        }
        if (++breaker.failures >= props.breakerFailures()) {
            breaker.openUntil = now + props.breakerCooldown().toMillis();
        }
        long deadline = retrySince + props.retryFor().toMillis();
        return now >= deadline ? new Outcome(RouteDelivery.DEAD, now, now)
                : new Outcome(RouteDelivery.PENDING, Math.min(now + backoff(attempts), deadline), now);
    }

    /**
     * Delivers messages taken from the route stream: each route's in order, routes in parallel. An event already
     * in the delivery log (a message delivered again after a crash) is skipped; one whose route is disabled, has
     * its breaker open, or still has an earlier delivery of the same device pending joins the delivery queue
     * (to keep a device's events in order); the others are sent at once and their outcome logged, a failure
     * queued for its retries.
     */
    void deliverFromStream(List<DeliveryRepository.NewDelivery> batch) {
        Map<UUID, List<DeliveryRepository.NewDelivery>> byRoute = new LinkedHashMap<>();
        batch.forEach(d -> byRoute.computeIfAbsent(d.routeId(), k -> new ArrayList<>()).add(d));
        List<Future<?>> running = new ArrayList<>();
        byRoute.forEach((routeId, list) -> running.add(pool.submit(() -> sendFromStream(list))));
        await(running);
    }

    private void sendFromStream(List<DeliveryRepository.NewDelivery> list) {
        DeliveryRepository.NewDelivery first = list.getFirst();
        Optional<RouteRepository.Stored> stored = routes.find(first.tenantId(), first.routeId());
        if (stored.isEmpty()) {
            return; // the route was deleted: nothing to deliver to
        }
        Route route = stored.get().route();
        byte[] key = senders.key(stored.get());
        Breaker breaker = breakers.computeIfAbsent(route.id(), k -> new Breaker());
        boolean queued = false;
        for (DeliveryRepository.NewDelivery d : list) {
            long now = clock.millis();
            if (deliveries.logged(d.routeId(), d.eventId())) {
                continue;
            }
            if (!route.enabled() || now < breaker.openUntil || deliveries.pendingFor(d.routeId(), d.deviceId())) {
                deliveries.enqueue(List.of(d), now);
                queued = true;
                continue;
            }
            WebhookSender.Result r = senders.send(route.destination(), key, d.tenantId(), d.deviceId(), d.eventId(),
                    d.eventType(), d.body());
            Outcome o = outcome(breaker, r, 0, now);
            deliveries.logAttempt(d, o.status(), o.next(), o.now(), r.status(), r.error(), r.latencyMs());
            queued |= o.status().equals(RouteDelivery.PENDING);
        }
        if (queued) {
            wakeups.queued().fire();
        }
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
        return b != null && clock.millis() < b.openUntil;
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
