package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.Route;
import io.fleetkeeper.event.RouteDelivery;
import io.fleetkeeper.pki.Sealer;
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
 */
@Component
public class DeliveryWorker implements SmartLifecycle {

    private static final class Breaker {
        int failures;
        long openUntil;
    }

    private final DeliveryRepository deliveries;
    private final RouteRepository routes;
    private final WebhookSender sender;
    private final MqttRepublisher mqtt;
    private final Sealer vault;
    private final Leases leases;
    private final EventProperties props;
    private final Clock clock;
    private final Worker worker;
    private final Map<UUID, Breaker> breakers = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

    public DeliveryWorker(DeliveryRepository deliveries, RouteRepository routes, WebhookSender sender,
            MqttRepublisher mqtt, Sealer vault, Leases leases, EventProperties props, Clock clock, Wakeups wakeups) {
        this.deliveries = deliveries;
        this.routes = routes;
        this.sender = sender;
        this.mqtt = mqtt;
        this.vault = vault;
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
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
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
        Route.Destination dest = route.destination();
        byte[] key = dest.isWebhook() ? vault.open(stored.get().sealedSecret(), route.id().toString()) : null;
        Breaker breaker = breakers.computeIfAbsent(route.id(), k -> new Breaker());
        for (DeliveryRepository.Due d : list) {
            if (clock.millis() < breaker.openUntil) {
                return;
            }
            WebhookSender.Result r = dest.isWebhook()
                    ? sender.send(dest.url(), dest.headers(), dest.timeoutMs(), key, d.eventId(), d.body())
                    : mqtt.publish(dest, MqttRepublisher.topic(dest.topic(), d.tenantId(), d.deviceId(),
                            d.eventType()), d.body());
            long now = clock.millis();
            if (r.ok()) {
                breaker.failures = 0;
                deliveries.attempted(d.id(), RouteDelivery.DELIVERED, now, now, r.status(), null, r.latencyMs());
                continue;
            }
            if (++breaker.failures >= props.breakerFailures()) {
                breaker.openUntil = now + props.breakerCooldown().toMillis();
            }
            long deadline = d.retrySince() + props.retryFor().toMillis();
            if (now >= deadline) {
                deliveries.attempted(d.id(), RouteDelivery.DEAD, now, now, r.status(), r.error(), r.latencyMs());
            } else {
                long next = Math.min(now + backoff(d.attempts()), deadline);
                deliveries.attempted(d.id(), RouteDelivery.PENDING, next, now, r.status(), r.error(), r.latencyMs());
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
