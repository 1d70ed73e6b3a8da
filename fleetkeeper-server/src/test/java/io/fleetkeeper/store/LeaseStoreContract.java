package io.fleetkeeper.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.BooleanSupplier;
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

    private static Long expiry(JdbcClient jdbc, String name) {
        return jdbc.sql("SELECT expires_at FROM leases WHERE name = ?").param(name).query(Long.class).optional()
                .orElse(null);
    }

    private static boolean inTransaction(TransactionTemplate tx, BooleanSupplier call) {
        return Boolean.TRUE.equals(tx.execute(s -> call.getAsBoolean()));
    }

    @Test
    default void oneHolderRenewsAtHalfItsTimeAndAnotherTakesOverOnlyAfterExpiry(ApplicationContext ctx) {
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
        MutableClock clock = new MutableClock(Instant.now());
        Leases a = new Leases(jdbc, clock);
        Leases b = new Leases(jdbc, clock);
        String name = "contract-" + UUID.randomUUID();

        assertThat(inTransaction(tx, () -> a.tryAcquire(name, TTL))).isTrue();
        long first = expiry(jdbc, name);
        assertThat(first).isEqualTo(clock.millis() + TTL.toMillis());
        assertThat(inTransaction(tx, () -> b.tryAcquire(name, TTL))).isFalse();

        clock.advance(Duration.ofSeconds(4)); // 6 s of 10 left: the holder's expiry stands, nothing is written
        assertThat(inTransaction(tx, () -> a.tryAcquire(name, TTL))).isTrue();
        assertThat(expiry(jdbc, name)).isEqualTo(first);

        clock.advance(Duration.ofSeconds(2)); // 4 s left: renewed in the database
        assertThat(inTransaction(tx, () -> a.tryAcquire(name, TTL))).isTrue();
        long renewed = expiry(jdbc, name);
        assertThat(renewed).isEqualTo(clock.millis() + TTL.toMillis());
        assertThat(inTransaction(tx, () -> b.tryAcquire(name, TTL))).isFalse();

        clock.advance(TTL.plusMillis(1)); // the holder stopped renewing: the other node takes over
        assertThat(inTransaction(tx, () -> b.tryAcquire(name, TTL))).isTrue();
        assertThat(inTransaction(tx, () -> a.tryAcquire(name, TTL))).isFalse();
        assertThat(inTransaction(tx, () -> b.tryAcquire(name, TTL))).isTrue();
    }

    @Test
    default void aRenewalRolledBackWithItsCallerIsNotTakenAsHeld(ApplicationContext ctx) {
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
        MutableClock clock = new MutableClock(Instant.now());
        Leases a = new Leases(jdbc, clock);
        Leases b = new Leases(jdbc, clock);
        String name = "contract-" + UUID.randomUUID();

        Boolean taken = tx.execute(s -> {
            boolean held = a.tryAcquire(name, TTL);
            s.setRollbackOnly();
            return held;
        });
        assertThat(taken).isTrue();
        assertThat(expiry(jdbc, name)).isNull(); // rolled back: no row
        assertThat(inTransaction(tx, () -> b.tryAcquire(name, TTL))).isTrue();
        assertThat(inTransaction(tx, () -> a.tryAcquire(name, TTL))).isFalse(); // asked the database again
    }
}
