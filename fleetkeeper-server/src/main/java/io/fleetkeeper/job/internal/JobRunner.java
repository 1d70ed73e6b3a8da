package io.fleetkeeper.job.internal;

import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.job.JobProperties;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Ticks this node's {@link JobEngine} every {@code fleetkeeper.jobs.tick-interval}, and at once again while a
 * tick ends with work it could not finish in its time (a large job's targeting or an unthrottled dispatch):
 * waiting the interval after every full step would leave the job idle half of the time.
 */
@Component
class JobRunner {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final JobEngine engine;
    private final boolean enabled;

    JobRunner(JobRepository jobs, ExecutionRepository executions, JobSpecs specs, Targets targets,
            Operations operations, Outcomes outcomes, JobJudge judge, DeviceService devices, CommandService commands,
            JobProperties props, PlatformTransactionManager txManager, Clock clock, Leases leases) {
        this.engine = new JobEngine(jobs, executions, specs, targets, operations, outcomes, judge, devices, commands,
                props, txManager, clock, leases.node());
        this.enabled = props.runnerEnabled();
    }

    @Scheduled(initialDelayString = "${fleetkeeper.jobs.tick-interval:1s}",
            fixedDelayString = "${fleetkeeper.jobs.tick-interval:1s}")
    void tick() {
        if (!enabled) {
            return;
        }
        try {
            while (engine.tick().more()) {
                // the next step at once
            }
        } catch (RuntimeException e) {
            log.error("job runner tick failed", e);
        }
    }
}
