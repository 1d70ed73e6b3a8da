package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertProperties;
import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The alert loops, on one node at a time: evaluation (lease {@code alerts-evaluate}: offline, telemetry and
 * provisioning-failure rules every
 * {@code evaluate-interval} and escalations with them, events from the outbox as the relay sequences them)
 * and notification sending
 * (lease {@code alerts-notify}).
 */
@Component
public class AlertWorkers implements SmartLifecycle {

    private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    private final OfflineAlerts offline;
    private final TelemetryAlerts telemetry;
    private final EventAlerts events;
    private final ProvisioningAlerts provisioning;
    private final Escalations escalations;
    private final AlertNotifier notifier;
    private final Leases leases;
    private final EventProperties eventProps;
    private final AlertProperties props;
    private final Clock clock;
    private final Worker evaluate;
    private final Worker notify;
    private long lastOffline;

    AlertWorkers(OfflineAlerts offline, TelemetryAlerts telemetry, EventAlerts events, Escalations escalations, AlertNotifier notifier, Leases leases,
            Wakeups wakeups, EventProperties eventProps, AlertProperties props, Clock clock,
            ProvisioningAlerts provisioning) {
        this.provisioning = provisioning;
        this.offline = offline;
        this.telemetry = telemetry;
        this.events = events;
        this.escalations = escalations;
        this.notifier = notifier;
        this.leases = leases;
        this.eventProps = eventProps;
        this.props = props;
        this.clock = clock;
        // at most one round a second unless woken: each round renews a lease, a write
        Duration interval = eventProps.pollInterval().compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL
                : eventProps.pollInterval();
        this.evaluate = new Worker("alerts-evaluate", this::evaluateStep, wakeups.sequenced(), interval);
        this.notify = new Worker("alerts-notify", this::notifyStep, new Wakeups.Signal(), interval);
    }

    private boolean evaluateStep() {
        if (!leases.tryAcquire("alerts-evaluate", eventProps.leaseTtl())) {
            return false;
        }
        long now = clock.millis();
        if (now - lastOffline >= props.evaluateInterval().toMillis()) {
            lastOffline = now;
            offline.evaluate(clock);
            telemetry.evaluate(clock);
            provisioning.evaluate(clock);
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
