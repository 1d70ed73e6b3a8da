package io.fleetkeeper.event.internal;

import io.fleetkeeper.device.DeviceEventsRecorded;
import io.fleetkeeper.device.NewDeviceEvent;
import io.fleetkeeper.event.EventTypes;
import io.fleetkeeper.job.JobStatusChanged;
import io.fleetkeeper.provisioning.ProvisioningFailed;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Writes the outbox rows of device events, job status changes and refused provisioning attempts in the transaction that records them (the listener runs
 * synchronously on the publishing thread, so it shares the transaction), and wakes the relay after commit.
 */
@Component
class OutboxWriter {

    private final OutboxRepository outbox;
    private final CloudEvents cloudEvents;
    private final Wakeups wakeups;
    private final Clock clock;

    OutboxWriter(OutboxRepository outbox, CloudEvents cloudEvents, Wakeups wakeups, Clock clock) {
        this.outbox = outbox;
        this.cloudEvents = cloudEvents;
        this.wakeups = wakeups;
        this.clock = clock;
    }

    @EventListener
    void on(DeviceEventsRecorded recorded) {
        List<OutboxRepository.NewRow> rows = new ArrayList<>(recorded.events().size());
        for (NewDeviceEvent e : recorded.events()) {
            rows.add(new OutboxRepository.NewRow(Ids.newId(clock).toString(), recorded.tenantId(), e.deviceId(),
                    EventTypes.of(e.type()), cloudEvents.data(e), e.at().toEpochMilli()));
        }
        write(rows);
    }

    @EventListener
    void on(JobStatusChanged changed) {
        write(List.of(new OutboxRepository.NewRow(Ids.newId(clock).toString(), changed.tenantId(), null,
                EventTypes.ofJob(changed.from(), changed.to()), cloudEvents.data(changed),
                changed.at().toEpochMilli())));
    }

    @EventListener
    void on(ProvisioningFailed failed) {
        write(List.of(new OutboxRepository.NewRow(Ids.newId(clock).toString(), failed.tenantId(), failed.deviceId(),
                EventTypes.PROVISIONING_FAILED, cloudEvents.data(failed), failed.at().toEpochMilli())));
    }

    private void write(List<OutboxRepository.NewRow> rows) {
        outbox.insert(rows);
        AfterCommit.run(wakeups.written()::fire);
    }
}
