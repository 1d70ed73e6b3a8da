package io.fleetkeeper.job.internal;

import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.job.JobProperties;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Ticks this node's {@link JobEngine} on a thread of its own: every {@code fleetkeeper.jobs.tick-interval}, and
 * at once again while a tick ends with work it could not finish in its time (a large job's targeting or an
 * unthrottled dispatch) — waiting the interval after every full step would leave the job idle half of the time.
 * <p>Not a {@code @Scheduled} method: Spring runs every fixed-delay task on one scheduler thread, so a runner
 * busy for minutes there would hold up the command sweeper, the token flush and the other periodic tasks.
 * One thread per node also keeps a node from stepping the same job twice at once.
 */
@Component
class JobRunner implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final Supplier<JobEngine.Tick> tick;
    private final Duration interval;
    private final boolean enabled;
    private volatile boolean running;
    private volatile CountDownLatch stopping = new CountDownLatch(1);
    private volatile Thread thread;

    @Autowired
    JobRunner(JobRepository jobs, ExecutionRepository executions, JobSpecs specs, Targets targets,
            Operations operations, Outcomes outcomes, JobJudge judge, DeviceService devices, CommandService commands,
            JobProperties props, PlatformTransactionManager txManager, Clock clock, Leases leases) {
        this(new JobEngine(jobs, executions, specs, targets, operations, outcomes, judge, devices, commands, props,
                txManager, clock, leases.node())::tick, props.tickInterval(), props.runnerEnabled());
    }

    JobRunner(Supplier<JobEngine.Tick> tick, Duration interval, boolean enabled) {
        this.tick = tick;
        this.interval = interval;
        this.enabled = enabled;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        if (enabled) {
            stopping = new CountDownLatch(1);
            thread = Thread.ofVirtual().name("job-runner").start(this::loop);
        }
    }

    private void loop() {
        CountDownLatch stop = stopping;
        while (!pause(stop)) {
            boolean more;
            do {
                more = false;
                try {
                    more = tick.get().more();
                } catch (RuntimeException e) {
                    log.error("job runner tick failed", e);
                }
            } while (more && stop.getCount() > 0);
        }
    }

    /** Waits one interval; true when the runner is being stopped. */
    private boolean pause(CountDownLatch stop) {
        try {
            return stop.await(interval.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Lets the tick in progress finish (its transactions commit or roll back whole), then ends the thread. */
    @Override
    public synchronized void stop() {
        running = false;
        stopping.countDown();
        Thread t = thread;
        thread = null;
        if (t != null) {
            try {
                if (!t.join(Duration.ofSeconds(30))) {
                    log.warn("job runner did not stop within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
