package io.fleetkeeper.telemetry;

import java.util.List;
import java.util.UUID;

/**
 * Told about telemetry once it is durable: after the transaction that stored a batch commits, on the writer's
 * thread, before the devices' messages are acknowledged (the PUBACK, the 202, or the stream's ack). A listener
 * that throws fails the batch: the device sends it again (or the stream delivers it again), so a listener sees
 * every stored message at least once, and a message it saw may come again. Implementations answer
 * {@link #wants} from memory: it is asked for every message.
 */
public interface TelemetryListener {

    /** Whether this tenant's telemetry concerns the listener; messages of other tenants are not converted. */
    boolean wants(UUID tenantId);

    /** Stored messages of tenants it wants, in the batch's order. */
    void stored(List<StoredTelemetry> messages);
}
