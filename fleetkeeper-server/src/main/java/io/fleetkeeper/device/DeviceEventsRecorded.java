package io.fleetkeeper.device;

import java.util.List;
import java.util.UUID;

/**
 * Published synchronously, inside the transaction that appends them, for every batch of events written to
 * devices' histories, and for a device's purge (type {@link #PURGED}, never stored in the history, which the
 * purge deletes). A listener that writes in the same transaction (the event feature's outbox) commits or rolls
 * back with the change that caused the events.
 */
public record DeviceEventsRecorded(UUID tenantId, List<NewDeviceEvent> events) {

    /** The type of the event announcing a purge. */
    public static final String PURGED = "PURGED";

    public DeviceEventsRecorded {
        events = List.copyOf(events);
    }
}
