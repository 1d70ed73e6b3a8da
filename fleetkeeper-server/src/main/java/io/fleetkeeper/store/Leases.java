package io.fleetkeeper.store;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Named leases in the database, so exactly one node runs a background worker at a time and another
 * takes over when the holder dies (its lease simply expires).
 */
@Component
public class Leases {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final String node = UUID.randomUUID().toString();

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
     * Takes or renews the lease {@code name} for {@code ttl}; false when another live node holds it. A transaction
     * of its own (or the caller's): on SQLite it then queues for the writer on the Java lock, never inside
     * SQLite's busy handler, where a background worker on a virtual thread would pin its carrier.
     */
    @Transactional
    public boolean tryAcquire(String name, Duration ttl) {
        long now = clock.millis();
        jdbc.sql("""
                INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at < ? OR leases.holder = excluded.holder""")
                .params(name, node, now + ttl.toMillis(), now).update();
        return node.equals(jdbc.sql("SELECT holder FROM leases WHERE name = ?").param(name).query(String.class)
                .optional().orElse(null));
    }
}
