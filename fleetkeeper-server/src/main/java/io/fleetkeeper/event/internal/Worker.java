package io.fleetkeeper.event.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background loop on a virtual thread of its own: runs {@code step} (true: more work is waiting, run again
 * at once), then waits for {@code wakeup} or {@code interval}. A failing step is logged and retried after the
 * interval. Start and stop are safe to call twice.
 */
final class Worker {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final String name;
    private final BooleanSupplier step;
    private final Wakeups.Signal wakeup;
    private final Duration interval;
    private volatile boolean running;
    private Thread thread;

    Worker(String name, BooleanSupplier step, Wakeups.Signal wakeup, Duration interval) {
        this.name = name;
        this.step = step;
        this.wakeup = wakeup;
        this.interval = interval;
    }

    synchronized void start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofVirtual().name(name).start(this::loop);
        }
    }

    synchronized void stop() {
        running = false;
        Thread t = thread;
        thread = null;
        if (t != null) {
            wakeup.fire();
            try {
                if (!t.join(Duration.ofSeconds(30))) {
                    log.warn("{} did not stop within 30 s", name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            long seen = wakeup.generation();
            boolean more = false;
            try {
                more = step.getAsBoolean();
            } catch (RuntimeException e) {
                log.warn("{} step failed: {}", name, e.toString());
            }
            if (!more && running && !wakeup.await(seen, interval)) {
                return;
            }
        }
    }
}
