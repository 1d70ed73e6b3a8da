package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.NatsProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.LongSupplier;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Outbox meters, read from the store on each scrape (cluster-wide figures, the same on every node): events
 * committed but not yet sequenced by the relay, and events sequenced but not yet published to NATS JetStream.
 */
@Component
class OutboxMetrics {

    OutboxMetrics(MeterRegistry registry, OutboxRepository outbox, NatsProperties nats) {
        Gauge.builder("fleetkeeper.outbox.pending", () -> read(outbox::unsequencedCount))
                .description("events committed and not yet sequenced by the relay").register(registry);
        if (!nats.url().isBlank()) {
            Gauge.builder("fleetkeeper.outbox.nats.lag",
                    () -> read(() -> {
                        Long at = outbox.position(OutboxRelay.NATS_CURSOR);
                        return at == null ? 0 : outbox.maxSeq() - at;
                    }))
                    .description("sequenced events not yet published to NATS JetStream").register(registry);
        }
    }

    private static double read(LongSupplier value) {
        try {
            return value.getAsLong();
        } catch (DataAccessException e) {
            return Double.NaN; // the store is unreachable: the health check says so
        }
    }
}
