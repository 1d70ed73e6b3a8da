package io.fleetkeeper.shadow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

    @Test
    void closeWritesWhatWasQueuedBeforeItAndRefusesWhatComesAfter() throws Exception {
        List<Integer> written = new CopyOnWriteArrayList<>();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<Integer> commit = new GroupCommit<>("test-writer", 100, 4, Duration.ZERO, batch -> {
            writing.countDown();
            awaitUninterruptibly(release); // the first batch is being written while the others queue
            written.addAll(batch);
        });
        assertThat(commit.offer(0)).isTrue();
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i < 10; i++) {
            assertThat(commit.offer(i)).isTrue();
        }
        Thread closing = Thread.ofPlatform().start(commit::close);
        while (!commit.closed()) {
            Thread.onSpinWait();
        }
        assertThat(commit.offer(10)).as("refused once closing").isFalse();
        assertThat(closing.isAlive()).as("close waits for the queue").isTrue();
        release.countDown();
        closing.join(10_000);
        assertThat(closing.isAlive()).isFalse();
        assertThat(written).containsExactlyElementsOf(IntStream.range(0, 10).boxed().toList());
        commit.close(); // twice is fine
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // a writer mid-transaction is not interrupted by close
            }
        }
    }
}
