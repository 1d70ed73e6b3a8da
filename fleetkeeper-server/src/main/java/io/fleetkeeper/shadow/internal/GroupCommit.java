package io.fleetkeeper.shadow.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue drained by one writer thread in batches: the writer takes what queued while it wrote the previous
 * batch (up to {@code maxBatch}), waiting up to {@code maxWait} for more when that is set. Items are handed over in
 * the order they were offered. {@link #close} refuses new items and returns once every item offered before it was
 * written (or after {@link #CLOSE_TIMEOUT}); it is safe to call twice.
 */
final class GroupCommit<T> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** How long {@link #close} waits for the queue to be written. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final BlockingQueue<T> queue;
    private final int maxBatch;
    private final long waitNanos;
    private final Consumer<List<T>> writer;
    private final Thread thread;
    private volatile boolean closed;

    GroupCommit(String name, int capacity, int maxBatch, Duration maxWait, Consumer<List<T>> writer) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxBatch = Math.max(1, maxBatch);
        this.waitNanos = maxWait.toNanos();
        this.writer = writer;
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    /** Queues an item; false when the queue is full or closed ({@link #closed}). Never blocks on the writer. */
    synchronized boolean offer(T item) {
        return !closed && queue.offer(item);
    }

    /** Whether {@link #close} was called: nothing is taken any more. */
    boolean closed() {
        return closed;
    }

    private void run() {
        List<T> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                T first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - batch.size());
                if (waitNanos > 0) {
                    long deadline = System.nanoTime() + waitNanos;
                    while (batch.size() < maxBatch) {
                        T next = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                        if (next == null) {
                            break;
                        }
                        batch.add(next);
                        queue.drainTo(batch, maxBatch - batch.size());
                    }
                }
                writer.accept(batch);
            } catch (InterruptedException e) {
                log.warn("{}: interrupted, {} queued items not written", thread.getName(), queue.size());
                return;
            } catch (RuntimeException e) {
                log.error("{}: a batch of {} failed", thread.getName(), batch.size(), e);
            } finally {
                batch.clear();
            }
        }
    }

    /** Refuses new items, then waits until the writer wrote what was queued (at most {@link #CLOSE_TIMEOUT}). */
    @Override
    public void close() {
        synchronized (this) { // no offer is between its check and its enqueue now
            closed = true;
        }
        try {
            thread.join(CLOSE_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("{}: {} queued items still unwritten after {}", thread.getName(), queue.size(), CLOSE_TIMEOUT);
        }
    }
}
