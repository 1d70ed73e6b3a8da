package io.fleetkeeper.export.internal;

import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.export.ExportProperties;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Claims queued exports (or running ones whose node's lease expired) one at a time per node and runs them on a
 * virtual thread; removes finished exports and their artifacts once they expire.
 */
@Component
class ExportWorker implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ExportWorker.class);

    private final ExportRepository exports;
    private final ExportRun run;
    private final BlobService blobs;
    private final ExportProperties props;
    private final Clock clock;
    private final String holder;
    private final TransactionTemplate tx;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    ExportWorker(ExportRepository exports, ExportRun run, BlobService blobs, ExportProperties props, Clock clock,
            Leases leases, PlatformTransactionManager txManager) {
        this.exports = exports;
        this.run = run;
        this.blobs = blobs;
        this.props = props;
        this.clock = clock;
        this.holder = leases.node();
        this.tx = new TransactionTemplate(txManager);
    }

    @Scheduled(initialDelay = 1, fixedDelay = 1, timeUnit = TimeUnit.SECONDS)
    void poll() {
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        try {
            long now = clock.millis();
            var claimed = tx.execute(s -> exports.claim(holder, now, now + props.lease().toMillis()));
            if (claimed == null || claimed.isEmpty()) {
                busy.set(false);
                return;
            }
            executor.execute(() -> {
                try {
                    run.run(claimed.get().tenantId(), claimed.get().export(), holder);
                } finally {
                    busy.set(false);
                }
            });
        } catch (RuntimeException e) {
            busy.set(false);
            log.warn("export poll failed: {}", e.toString());
        }
    }

    @Scheduled(initialDelay = 30, fixedDelay = 60, timeUnit = TimeUnit.SECONDS)
    void expire() {
        try {
            for (ExportRepository.Claimed c : exports.expired(clock.millis(), 100)) {
                tx.executeWithoutResult(s -> {
                    if (exports.delete(c.tenantId(), c.export().id()) && c.export().sha256() != null) {
                        blobs.release(c.tenantId(), c.export().sha256());
                    }
                });
            }
        } catch (RuntimeException e) {
            log.warn("export expiry failed: {}", e.toString());
        }
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}
