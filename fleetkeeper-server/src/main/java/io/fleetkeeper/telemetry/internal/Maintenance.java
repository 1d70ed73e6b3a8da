package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.store.Leases;
import io.fleetkeeper.telemetry.TelemetryProperties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the pipeline, and runs {@link Retention} at start (so a fresh PostgreSQL store has its partitions before
 * the first message) and every {@code maintenance-interval} on the node holding the {@code telemetry-maintenance}
 * lease. Stops after the MQTT endpoint and the web server (a lower phase), writing what is queued.
 */
public final class Maintenance implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Maintenance.class);
    /** Lower than the endpoint's and the web server's: starts before them, stops after them. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final Retention retention;
    private final Leases leases;
    private final TelemetryProperties props;
    private final TelemetryPipeline writer;
    private volatile ScheduledExecutorService scheduler;

    Maintenance(Retention retention, Leases leases, TelemetryProperties props, TelemetryPipeline writer) {
        this.retention = retention;
        this.leases = leases;
        this.props = props;
        this.writer = writer;
    }

    @Override
    public synchronized void start() {
        writer.start();
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("telemetry-maintenance").factory());
        runNow();
        long every = props.maintenanceInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::runNow, every, every, TimeUnit.MILLISECONDS);
    }

    /** One run when this node holds (or takes) the lease; false otherwise. */
    public boolean runNow() {
        try {
            if (!leases.tryAcquire("telemetry-maintenance", props.maintenanceInterval().multipliedBy(2))) {
                return false;
            }
            Retention.Result r = retention.run();
            if (r.partitionsDropped() > 0 || r.rowsDeleted() > 0) {
                log.info("telemetry retention: {} partitions dropped, {} rows deleted", r.partitionsDropped(),
                        r.rowsDeleted());
            }
            return true;
        } catch (RuntimeException e) {
            log.warn("telemetry maintenance failed: {}", e.toString());
            return false;
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        writer.stop();
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
