package io.fleetkeeper.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Named leases in the database, so exactly one node runs a background worker at a time and another
 * takes over when the holder dies (its lease simply expires).
 *
 * <p>A node that holds a lease renews it in the database only once less than half of its time-to-live is left: until
 * then the expiry it wrote last (and committed) still stands, so no other node can take it, and a worker that steps
 * many times a second (the outbox relay, once per commit) does not queue for the writer on every step.
 */
@Component
public class Leases {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final String node = UUID.randomUUID().toString();
    /** Lease name → the expiry this node wrote and committed last, in the clock's milliseconds. */
    private final Map<String, Long> held = new ConcurrentHashMap<>();

    Leases(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
        // The holder name that jobs.lease_holder and leases.holder show for this process.
        LoggerFactory.getLogger(Leases.class).info("leases: this node holds leases as {}", node);
    }

    /** This process's holder name. */
    public String node() {
        return node;
    }

    /**
     * Whether this node holds the lease {@code name} now, by what it wrote and committed last; reads nothing and
     * writes nothing (for a second worker that runs under a lease another worker takes and renews).
     */
    public boolean holds(String name) {
        Long until = held.get(name);
        return until != null && until > clock.millis();
    }

    /**
     * Takes or renews the lease {@code name} for {@code ttl}; false when another live node holds it. A transaction
     * of its own (or the caller's): on SQLite it then queues for the writer on the Java lock, never inside
     * SQLite's busy handler, where a background worker on a virtual thread would pin its carrier.
     */
    @Transactional
    public boolean tryAcquire(String name, Duration ttl) {
        long now = clock.millis();
        Long until = held.get(name);
        if (until != null && until - now > ttl.toMillis() / 2) {
            return true;
        }
        held.remove(name);
        long expires = now + ttl.toMillis();
        jdbc.sql("""
                INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at < ? OR leases.holder = excluded.holder""")
                .params(name, node, expires, now).update();
        boolean mine = node.equals(jdbc.sql("SELECT holder FROM leases WHERE name = ?").param(name)
                .query(String.class).optional().orElse(null));
        if (mine) {
            AfterCommit.run(() -> held.put(name, expires)); // a renewal rolled back with its caller is not counted
        }
        return mine;
    }
}
