package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertProperties;
import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The alert loops, on one node at a time: evaluation (lease {@code alerts-evaluate}: offline rules every
 * {@code evaluate-interval} and escalations with them, events from the outbox as the relay sequences them)
 * and notification sending
 * (lease {@code alerts-notify}).
 */
@Component
public class AlertWorkers implements SmartLifecycle {

    private final OfflineAlerts offline;
    private final EventAlerts events;
    private final Escalations escalations;
    private final AlertNotifier notifier;
    private final Leases leases;
    private final EventProperties eventProps;
    private final AlertProperties props;
    private final Clock clock;
    private final Worker evaluate;
    private final Worker notify;
    private long lastOffline;

    AlertWorkers(OfflineAlerts offline, EventAlerts events, Escalations escalations, AlertNotifier notifier, Leases leases,
            Wakeups wakeups, EventProperties eventProps, AlertProperties props, Clock clock) {
        this.offline = offline;
        this.events = events;
        this.escalations = escalations;
        this.notifier = notifier;
        this.leases = leases;
        this.eventProps = eventProps;
        this.props = props;
        this.clock = clock;
        this.evaluate = new Worker("alerts-evaluate", this::evaluateStep, wakeups.sequenced(),
                eventProps.pollInterval());
        this.notify = new Worker("alerts-notify", this::notifyStep, new Wakeups.Signal(),
                eventProps.pollInterval());
    }

    private boolean evaluateStep() {
        if (!leases.tryAcquire("alerts-evaluate", eventProps.leaseTtl())) {
            return false;
        }
        long now = clock.millis();
        if (now - lastOffline >= props.evaluateInterval().toMillis()) {
            lastOffline = now;
            offline.evaluate(clock);
            escalations.escalate(clock);
        }
        return events.read();
    }

    private boolean notifyStep() {
        return leases.tryAcquire("alerts-notify", eventProps.leaseTtl()) && notifier.step(clock);
    }

    @Override
    public void start() {
        if (props.enabled()) {
            evaluate.start();
            notify.start();
        }
    }

    @Override
    public void stop() {
        evaluate.stop();
        notify.stop();
    }

    @Override
    public boolean isRunning() {
        return evaluate.isRunning();
    }
}
