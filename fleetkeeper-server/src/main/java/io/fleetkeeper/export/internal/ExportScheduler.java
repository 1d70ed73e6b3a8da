package io.fleetkeeper.export.internal;

import io.fleetkeeper.export.ExportScheduleService;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Every few seconds, queues the exports of the schedules that are due (on whichever node looks first). */
@Component
class ExportScheduler {

    private static final Logger log = LoggerFactory.getLogger(ExportScheduler.class);

    private final ExportScheduleService schedules;
    private final Clock clock;

    ExportScheduler(ExportScheduleService schedules, Clock clock) {
        this.schedules = schedules;
        this.clock = clock;
    }

    @Scheduled(initialDelay = 5, fixedDelay = 5, timeUnit = TimeUnit.SECONDS)
    void tick() {
        try {
            schedules.runDue(clock.instant());
        } catch (RuntimeException e) {
            log.warn("export schedules failed: {}", e.toString());
        }
    }
}
