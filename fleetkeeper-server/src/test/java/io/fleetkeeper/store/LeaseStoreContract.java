package io.fleetkeeper.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The lease contract, two nodes on one database with a clock the test moves: one holder at a time, a takeover only
 * after the holder's expiry, and a holder that renews in the database only once less than half of its time-to-live
 * is left (a renewal rolled back with its caller's transaction does not count).
 */
public interface LeaseStoreContract {

    Duration TTL = Duration.ofSeconds(10);

    /** Two nodes on the context's database, a clock the test moves and a lease name of the test's own. */
    record Nodes(JdbcClient jdbc, TransactionTemplate tx, MutableClock clock, Leases a, Leases b, String name) {

        static Nodes of(ApplicationContext ctx) {
            JdbcClient jdbc = ctx.getBean(JdbcClient.class);
            MutableClock clock = new MutableClock(Instant.now());
            return new Nodes(jdbc, new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class)), clock,
                    new Leases(jdbc, clock), new Leases(jdbc, clock), "contract-" + UUID.randomUUID());
        }

        /** {@code node} asks for the lease in a transaction of its own. */
        boolean take(Leases node) {
            return Boolean.TRUE.equals(tx.execute(s -> node.tryAcquire(name, TTL)));
        }

        /** The expiry in the database; null without a row. */
        Long expiry() {
            return jdbc.sql("SELECT expires_at FROM leases WHERE name = ?").param(name).query(Long.class).optional()
                    .orElse(null);
        }
    }

    @Test
    default void oneHolderRenewsAtHalfItsTimeAndAnotherTakesOverOnlyAfterExpiry(ApplicationContext ctx) {
        Nodes n = Nodes.of(ctx);

        assertThat(n.take(n.a())).isTrue();
        long first = n.expiry();
        assertThat(first).isEqualTo(n.clock().millis() + TTL.toMillis());
        assertThat(n.take(n.b())).isFalse();
        assertThat(n.a().holds(n.name())).as("the holder, by what it committed").isTrue();
        assertThat(n.b().holds(n.name())).isFalse();

        n.clock().advance(Duration.ofSeconds(4)); // 6 s of 10 left: the holder's expiry stands, nothing is written
        assertThat(n.take(n.a())).isTrue();
        assertThat(n.expiry()).isEqualTo(first);

        n.clock().advance(Duration.ofSeconds(2)); // 4 s left: renewed in the database
        assertThat(n.take(n.a())).isTrue();
        assertThat(n.expiry()).isEqualTo(n.clock().millis() + TTL.toMillis());
        assertThat(n.take(n.b())).isFalse();

        n.clock().advance(TTL.plusMillis(1)); // the holder stopped renewing: the other node takes over
        assertThat(n.a().holds(n.name())).as("past its expiry").isFalse();
        assertThat(n.take(n.b())).isTrue();
        assertThat(n.take(n.a())).isFalse();
        assertThat(n.take(n.b())).isTrue();
    }

    @Test
    default void aRenewalRolledBackWithItsCallerIsNotTakenAsHeld(ApplicationContext ctx) {
        Nodes n = Nodes.of(ctx);

        Boolean taken = n.tx().execute(s -> {
            boolean held = n.a().tryAcquire(n.name(), TTL);
            s.setRollbackOnly();
            return held;
        });
        assertThat(taken).isTrue();
        assertThat(n.expiry()).isNull(); // rolled back: no row
        assertThat(n.a().holds(n.name())).isFalse();
        assertThat(n.take(n.b())).isTrue();
        assertThat(n.take(n.a())).isFalse(); // asked the database again
    }
}
