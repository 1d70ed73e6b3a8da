package io.fleetkeeper.connectivity;

import java.time.Instant;
import java.util.UUID;

/**
 * Told about device connections by the MQTT endpoint. Every Spring bean implementing this interface is
 * called. Calls come on network threads: an implementation must be quick and must not block (no SQL);
 * hand slow work to another thread.
 */
public interface ConnectionListener {

    /** A device's CONNECT was accepted (after any older session of the same device was taken over). */
    default void connected(ConnectionInfo connection) {
    }

    /**
     * A connection ended.
     *
     * @param reason why, e.g. {@code client disconnect}, {@code keep-alive timeout}, {@code taken over},
     *               {@code revoked}, {@code protocol error}, {@code connection lost}
     */
    default void disconnected(ConnectionInfo connection, String reason, Instant at) {
    }

    /** The device sent a packet: it is alive now. Called often; coalesce. */
    default void seen(UUID tenantId, UUID deviceId, Instant at) {
    }

    /**
     * The device was granted a subscription; {@code suffixFilter} is the filter below its namespace
     * (for {@code fk/<id>/shadow/#} it is {@code shadow/#}). Features push current state from here.
     */
    default void subscribed(ConnectionInfo connection, String suffixFilter) {
    }
}
