package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertService;
import java.time.Clock;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Escalates alerts not acknowledged in time: each alert still OPEN whose rule escalates after N minutes, opened
 * at least N minutes before {@code clock}'s now, is sent to the rule's level-2 channels, once.
 */
@Component
public class Escalations {

    private static final int BATCH = 500;

    private final AlertRepository alerts;
    private final AlertService service;

    Escalations(AlertRepository alerts, AlertService service) {
        this.alerts = alerts;
        this.service = service;
    }

    /** Escalates what is due; true when a full batch was due. */
    public boolean escalate(Clock clock) {
        List<AlertRepository.Owned> due = alerts.dueForEscalation(clock.millis(), BATCH);
        due.forEach(o -> service.escalate(o.tenantId(), o.alert().id()));
        return due.size() == BATCH;
    }
}
