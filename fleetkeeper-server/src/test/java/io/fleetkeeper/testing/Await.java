package io.fleetkeeper.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits for a condition instead of sleeping: polls (first at once, then every 50 ms, in the calling thread) until
 * it holds, and fails after {@code atMost} with what was awaited and the last value seen. Built on Awaitility.
 */
public final class Await {

    private static final Duration POLL = Duration.ofMillis(50);

    private Await() {
    }

    /** Polls {@code value} until {@code done} accepts it, and returns that value. */
    public static <T> T until(Duration atMost, String what, Callable<T> value, Predicate<? super T> done) {
        AtomicReference<T> last = new AtomicReference<>();
        try {
            return Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(POLL)
                    .pollInSameThread().until(() -> {
                        T v = value.call();
                        last.set(v);
                        return v;
                    }, done::test);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " within " + atMost + "; last seen: " + last.get(), e);
        }
    }

    /** Polls until {@code condition} holds. */
    public static void until(Duration atMost, String what, Callable<Boolean> condition) {
        until(atMost, what, condition, Boolean.TRUE::equals);
    }
}
