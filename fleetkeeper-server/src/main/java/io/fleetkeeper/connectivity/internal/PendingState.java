package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectionInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What happened to one device since the last flush, coalesced: the newest connection that connected (and
 * whether it is still open), a disconnect of an older connection to apply conditionally, the latest time the
 * device was seen, and the CONNECTED / DISCONNECTED events in arrival order.
 *
 * <p>Not thread-safe: it is changed only inside {@code ConcurrentHashMap.compute} for its key, and read by
 * the flusher after it was removed from the map.
 */
final class PendingState {

    /** A connection event, turned into a device event at flush time. */
    record Change(boolean connect, ConnectionInfo info, String reason, Instant at) {
    }

    /** Events kept per device per window at most; a device flapping faster loses the oldest ones. */
    static final int MAX_EVENTS = 100;

    final UUID tenantId;
    final UUID deviceId;
    /** The newest connection that connected in this window, or null. */
    ConnectionInfo latest;
    boolean latestOpen;
    /** A disconnect of a connection that did not connect in this window: applied only if still current. */
    ConnectionInfo closed;
    /** The last disconnect to record with the row (time and reason), or null. */
    Instant disconnectedAt;
    String reason;
    /** Latest time the device was seen, epoch millis, or 0. */
    long lastSeen;
    final List<Change> events = new ArrayList<>(2);
    int droppedEvents;

    PendingState(UUID tenantId, UUID deviceId) {
        this.tenantId = tenantId;
        this.deviceId = deviceId;
    }

    void connected(ConnectionInfo c) {
        event(new Change(true, c, null, c.since()));
        seen(c.since().toEpochMilli());
        if (latest == null || !c.since().isBefore(latest.since())) {
            latest = c;
            latestOpen = true;
        }
    }

    /** Re-asserts a connection this node still holds (after it was declared lost), without an event. */
    void stillOpen(ConnectionInfo c) {
        if (latest == null || !c.since().isBefore(latest.since())) {
            latest = c;
            latestOpen = true;
        }
    }

    void disconnected(ConnectionInfo c, String why, Instant at) {
        event(new Change(false, c, why, at));
        if (latest != null && latest.connectionId().equals(c.connectionId())) {
            latestOpen = false;
            lastDisconnect(at, why);
        } else if (latest != null && c.since().isAfter(latest.since())) {
            // Its connect came in an earlier window but is newer than what connected in this one.
            latest = c;
            latestOpen = false;
            lastDisconnect(at, why);
        } else if (latest != null) {
            // An older connection ending after the newer one connected (a takeover): the newer stays connected.
            if (latestOpen) {
                lastDisconnect(at, why);
            }
        } else if (closed == null || !c.since().isBefore(closed.since())) {
            closed = c;
            lastDisconnect(at, why);
        }
    }

    void seen(long at) {
        lastSeen = Math.max(lastSeen, at);
    }

    /** Folds in the state of an earlier window (a flush that failed), keeping this newer one's decisions. */
    void absorbOlder(PendingState older) {
        List<Change> mine = List.copyOf(events);
        events.clear();
        droppedEvents += older.droppedEvents;
        PendingState merged = new PendingState(tenantId, deviceId);
        merged.latest = older.latest;
        merged.latestOpen = older.latestOpen;
        merged.closed = older.closed;
        merged.disconnectedAt = older.disconnectedAt;
        merged.reason = older.reason;
        merged.events.addAll(older.events);
        for (Change ch : mine) {
            if (ch.connect()) {
                merged.connected(ch.info());
            } else {
                merged.disconnected(ch.info(), ch.reason(), ch.at());
            }
        }
        if (latest != null && merged.latest != latest && latestOpen) {
            merged.stillOpen(latest);
        }
        latest = merged.latest;
        latestOpen = merged.latestOpen;
        closed = merged.closed;
        disconnectedAt = merged.disconnectedAt;
        reason = merged.reason;
        events.addAll(merged.events);
        droppedEvents += merged.droppedEvents;
        lastSeen = Math.max(lastSeen, older.lastSeen);
    }

    private void lastDisconnect(Instant at, String why) {
        if (disconnectedAt == null || !at.isBefore(disconnectedAt)) {
            disconnectedAt = at;
            reason = why;
        }
    }

    private void event(Change ch) {
        if (events.size() >= MAX_EVENTS) {
            events.removeFirst();
            droppedEvents++;
        }
        events.add(ch);
    }
}
