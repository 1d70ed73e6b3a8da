package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.telemetry.StoredTelemetry;
import io.fleetkeeper.telemetry.TelemetryListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes a batch of messages in one transaction (the group commit of both pipelines). On PostgreSQL a message
 * whose day has no partition yet (the maintenance task has not run since midnight, or never on a fresh store)
 * makes the partitions and tries once more. After the commit, the {@link TelemetryListener}s hear of the messages of
 * the tenants they want (all of the batch, new or seen before: a batch written again after a failure is announced
 * again); one that throws fails the write, so the batch is not acknowledged and comes again.
 */
@Component
public class TelemetryStore {

    private final TelemetryRepository repository;
    private final Partitions partitions;
    private final TelemetryMetrics metrics;
    private final TransactionTemplate tx;
    private final ObjectProvider<TelemetryListener> listenerBeans;
    private volatile List<TelemetryListener> listeners;

    TelemetryStore(TelemetryRepository repository, Partitions partitions, TelemetryMetrics metrics,
            PlatformTransactionManager txManager, ObjectProvider<TelemetryListener> listeners) {
        this.listenerBeans = listeners;
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
        announce(batch);
        return fresh;
    }

    /** Hands each listener the batch's messages of the tenants it wants; one question per run of a tenant. */
    private void announce(List<TelemetryMessage> batch) {
        List<TelemetryListener> all = listeners;
        if (all == null) {
            all = listenerBeans.orderedStream().toList();
            listeners = all;
        }
        for (TelemetryListener listener : all) {
            List<StoredTelemetry> wanted = null;
            UUID tenant = null;
            boolean wants = false;
            for (TelemetryMessage m : batch) {
                if (!m.tenantId().equals(tenant)) {
                    tenant = m.tenantId();
                    wants = listener.wants(tenant);
                }
                if (wants) {
                    if (wanted == null) {
                        wanted = new ArrayList<>();
                    }
                    wanted.add(stored(m));
                }
            }
            if (wanted != null) {
                listener.stored(wanted);
            }
        }
    }

    private static StoredTelemetry stored(TelemetryMessage m) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        m.metrics().forEach(v -> metrics.put(v.name(), v.value()));
        return new StoredTelemetry(m.tenantId(), m.deviceId(), m.stream(), m.msgId(), Instant.ofEpochMilli(m.ts()),
                metrics);
    }
}
