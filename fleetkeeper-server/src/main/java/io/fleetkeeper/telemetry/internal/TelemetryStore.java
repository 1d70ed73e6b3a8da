package io.fleetkeeper.telemetry.internal;

import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes a batch of messages in one transaction (the group commit of both pipelines). On PostgreSQL a message
 * whose day has no partition yet (the maintenance task has not run since midnight, or never on a fresh store)
 * makes the partitions and tries once more.
 */
@Component
public class TelemetryStore {

    private final TelemetryRepository repository;
    private final Partitions partitions;
    private final TelemetryMetrics metrics;
    private final TransactionTemplate tx;

    TelemetryStore(TelemetryRepository repository, Partitions partitions, TelemetryMetrics metrics,
            PlatformTransactionManager txManager) {
        this.repository = repository;
        this.partitions = partitions;
        this.metrics = metrics;
        this.tx = new TransactionTemplate(txManager);
    }

    /** Writes the batch; returns how many messages were new (not seen before). */
    public int write(List<TelemetryMessage> batch) {
        long start = System.nanoTime();
        int fresh;
        try {
            fresh = tx.execute(status -> repository.write(batch));
        } catch (RuntimeException e) {
            if (!partitions.isMissingPartition(e)) {
                throw e;
            }
            partitions.cover(batch.stream().mapToLong(TelemetryMessage::ts).min().orElseThrow(),
                    batch.stream().mapToLong(TelemetryMessage::ts).max().orElseThrow());
            fresh = tx.execute(status -> repository.write(batch));
        }
        metrics.written(batch.size(), fresh, Duration.ofNanos(System.nanoTime() - start));
        return fresh;
    }
}
