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
 * the order they were offered. {@link #close} is safe to call twice.
 */
final class GroupCommit<T> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

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

    /** Queues an item; false when the queue is full (or closed). Never blocks. */
    boolean offer(T item) {
        return !closed && queue.offer(item);
    }

    private void run() {
        List<T> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                batch.add(queue.take());
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
                return;
            } catch (RuntimeException e) {
                log.error("{}: a batch of {} failed", thread.getName(), batch.size(), e);
            } finally {
                batch.clear();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
