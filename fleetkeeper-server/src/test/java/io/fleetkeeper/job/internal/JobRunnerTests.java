package io.fleetkeeper.job.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The runner's loop, with a stand-in for the engine's tick (the engine itself: {@code JobEngineTests}). */
class JobRunnerTests {

    @Test
    void aBusyEngineIsTickedAgainAtOnceOnItsOwnThreadAndStopsAfterTheTickInProgress() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        AtomicReference<String> threadName = new AtomicReference<>();
        CountDownLatch hundred = new CountDownLatch(100);
        JobRunner runner = new JobRunner(() -> {
            threadName.set(Thread.currentThread().getName());
            ticks.incrementAndGet();
            hundred.countDown();
            return new JobEngine.Tick(1, true);
        }, Duration.ofMillis(50), true);

        long t0 = System.nanoTime();
        runner.start(); // returns at once: the work is not on the caller's (the scheduler's) thread
        assertThat(runner.isRunning()).isTrue();
        assertThat(hundred.await(10, TimeUnit.SECONDS)).as("100 busy ticks without waiting 50 ms each").isTrue();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.MILLISECONDS.toNanos(100 * 50 / 2));
        assertThat(threadName.get()).isEqualTo("job-runner");

        runner.stop(); // joins the thread: it returns only once the loop has ended
        assertThat(runner.isRunning()).isFalse();
        int atStop = ticks.get();
        runner.stop();
        assertThat(ticks.get()).as("nothing ticks after stop").isEqualTo(atStop);
    }

    @Test
    void anIdleEngineIsTickedOncePerIntervalAndAFailingTickDoesNotEndTheLoop() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        CountDownLatch three = new CountDownLatch(3);
        JobRunner runner = new JobRunner(() -> {
            ticks.incrementAndGet();
            three.countDown();
            if (ticks.get() == 1) {
                throw new IllegalStateException("the database went away");
            }
            return new JobEngine.Tick(0, false);
        }, Duration.ofMillis(200), true);
        long t0 = System.nanoTime();
        runner.start();
        assertThat(three.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - t0).as("three ticks, each after an interval")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(3 * 200));
        runner.stop();
    }

    @Test
    void aDisabledRunnerNeverTicks() throws Exception { // the suite's contexts run the engine by hand
        AtomicInteger ticks = new AtomicInteger();
        JobRunner runner = new JobRunner(() -> {
            ticks.incrementAndGet();
            return new JobEngine.Tick(0, false);
        }, Duration.ofMillis(10), false);
        runner.start();
        new CountDownLatch(1).await(100, TimeUnit.MILLISECONDS);
        runner.stop();
        assertThat(ticks.get()).isZero();
    }
}
