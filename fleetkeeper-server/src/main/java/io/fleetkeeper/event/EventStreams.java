package io.fleetkeeper.event;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.event.internal.CloudEvents;
import io.fleetkeeper.event.internal.DeviceMatcher;
import io.fleetkeeper.event.internal.OutboxRepository;
import io.fleetkeeper.event.internal.Wakeups;
import io.fleetkeeper.fleet.FleetQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Live event streams of a tenant: relayed events in sequence order, filtered by type and by a fleet query on
 * the device, resumable after a sequence number ({@code Last-Event-ID}) for as long as the outbox keeps events.
 * Each stream reads the outbox itself, so it sees events relayed on any node; on this node the relay wakes it.
 * While idle, the node's streams share one read of the newest sequence number per poll interval, and a stream
 * reads its tenant's rows only when the outbox has moved past its cursor. A tenant may hold
 * {@code max-streams-per-tenant} streams open on a node.
 */
@Service
public class EventStreams {

    private static final int PAGE = 200;

    /** One open stream; not thread-safe (one reader). Close it when the stream ends. */
    public final class Subscription implements AutoCloseable {
        private final UUID tenantId;
        private final Set<String> types;
        private final String query;
        private long cursor;
        private boolean closed;

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                open.computeIfPresent(tenantId, (k, n) -> n <= 1 ? null : n - 1);
            }
        }

        private Subscription(UUID tenantId, Set<String> types, String query, long cursor) {
            this.tenantId = tenantId;
            this.types = types;
            this.query = query;
            this.cursor = cursor;
        }

        /** The next events the filter passes, waiting up to {@code maxWait}; empty when none came. */
        public List<OutboxEvent> next(Duration maxWait) {
            long deadline = System.nanoTime() + maxWait.toNanos();
            while (true) {
                long seen = wakeups.sequenced().generation();
                long newest = newestSeq(seen); // read before the tenant's rows: every row up to it is committed
                List<OutboxEvent> page = newest > cursor ? outbox.after(tenantId, cursor, PAGE) : List.of();
                if (page.isEmpty()) {
                    cursor = Math.max(cursor, newest); // nothing of this tenant up to there: not asked again
                } else {
                    cursor = page.getLast().seq();
                    List<OutboxEvent> passed = filter(page);
                    if (!passed.isEmpty()) {
                        return passed;
                    }
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !wakeups.sequenced().await(seen, Duration.ofNanos(Math.min(left,
                        props.pollInterval().toNanos())))) {
                    return List.of();
                }
            }
        }

        private List<OutboxEvent> filter(List<OutboxEvent> page) {
            List<OutboxEvent> typed = page.stream().filter(e -> types.isEmpty() || types.contains(e.type())).toList();
            if (query == null || typed.isEmpty()) {
                return typed;
            }
            Set<UUID> selected = matcher.matching(tenantId, query,
                    typed.stream().map(OutboxEvent::deviceId).filter(Objects::nonNull).toList());
            return new ArrayList<>(typed.stream().filter(e -> e.deviceId() != null
                    && selected.contains(e.deviceId())).toList());
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<UUID, Integer> open =
            new java.util.concurrent.ConcurrentHashMap<>();
    private long newest = -1;
    private long newestReadAt;
    private long newestGeneration;
    private final OutboxRepository outbox;
    private final DeviceMatcher matcher;
    private final CloudEvents cloudEvents;
    private final Wakeups wakeups;
    private final EventProperties props;

    EventStreams(OutboxRepository outbox, DeviceMatcher matcher, CloudEvents cloudEvents, Wakeups wakeups,
            EventProperties props) {
        this.outbox = outbox;
        this.matcher = matcher;
        this.cloudEvents = cloudEvents;
        this.wakeups = wakeups;
        this.props = props;
    }

    /**
     * Opens a stream after {@code lastEventId} (a sequence number; from now on when null). Unknown types, a
     * fleet query that does not parse and a bad id are refused.
     */
    public Subscription open(UUID tenantId, List<String> types, String query, String lastEventId) {
        Set<String> wanted = Set.copyOf(types == null ? List.of() : types.stream()
                .flatMap(t -> java.util.Arrays.stream(t.split(","))).map(String::trim).filter(t -> !t.isEmpty())
                .toList());
        for (String t : wanted) {
            if (!EventTypes.ALL.contains(t)) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "type: unknown event type '" + t + "'");
            }
        }
        String q = query == null || query.isBlank() ? null : query;
        if (q != null) {
            FleetQuery.parse(q);
        }
        long cursor;
        if (lastEventId == null || lastEventId.isBlank()) {
            cursor = outbox.maxSeq();
        } else {
            try {
                cursor = Long.parseLong(lastEventId.trim());
            } catch (NumberFormatException e) {
                cursor = -1;
            }
            if (cursor < 0) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "Last-Event-ID must be an event id of this "
                        + "stream (a non-negative integer)");
            }
        }
        int limit = props.maxStreamsPerTenant();
        boolean[] admitted = {false};
        open.compute(tenantId, (k, n) -> {
            int count = n == null ? 0 : n;
            admitted[0] = count < limit;
            return admitted[0] ? count + 1 : n;
        });
        if (!admitted[0]) {
            throw new ApiException(ErrorCode.TOO_MANY_STREAMS, "this tenant already holds " + limit
                    + " live event streams open on this server; close one first");
        }
        return new Subscription(tenantId, wanted, q, cursor);
    }

    /**
     * The highest sequence number, read at most once per poll interval for all of this node's streams: an idle
     * stream asks the store about its tenant only when the outbox has moved past its cursor.
     */
    private synchronized long newestSeq(long generation) {
        long now = System.nanoTime();
        if (newest < 0 || generation != newestGeneration || now - newestReadAt >= props.pollInterval().toNanos()) {
            newest = outbox.maxSeq();
            newestReadAt = System.nanoTime();
            newestGeneration = generation;
        }
        return newest;
    }

    /**
     * The id to resume after ({@code Last-Event-ID}) to see every event relayed from now on: a page rendered now
     * opens its stream after it, so nothing relayed in between is missed. Read at most once per poll interval for
     * the whole node (a value that lags only repeats an event or two).
     */
    public long newest() {
        return newestSeq(wakeups.sequenced().generation());
    }

    /** The CloudEvents JSON of an event. */
    public String json(OutboxEvent e) {
        return cloudEvents.envelope(e);
    }
}
