package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.telemetry.TelemetryProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded pipeline: a bounded queue in front of one writer thread that takes whatever is waiting (up to
 * {@code writer-batch-size} messages), writes it in one transaction and then completes every submission in it.
 * While a transaction runs, the next batch gathers, so the commit rate adapts to the load. A full queue refuses
 * at once ({@link Unavailable}): back-pressure reaches the device as 503 or a missing PUBACK, never as memory.
 */
public final class GroupCommitWriter implements TelemetryPipeline {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    private record Submission(List<TelemetryMessage> messages, CompletableFuture<Void> done) {
    }

    private final TelemetryStore store;
    private final int batchSize;
    private final int capacity;
    private final BlockingQueue<Submission> queue;
    /** Messages queued (a submission may hold many). */
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean running;
    private Thread thread;

    public GroupCommitWriter(TelemetryStore store, TelemetryProperties props) {
        this.store = store;
        this.batchSize = props.writerBatchSize();
        this.capacity = props.writerQueueCapacity();
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    @Override
    public CompletableFuture<Void> submit(List<TelemetryMessage> messages) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new Unavailable("telemetry writer is stopped", null));
            return done;
        }
        if (queued.addAndGet(messages.size()) > capacity || !queue.offer(new Submission(messages, done))) {
            queued.addAndGet(-messages.size());
            done.completeExceptionally(new Unavailable("telemetry writer queue is full", null));
        }
        return done;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("telemetry-writer").start(this::loop);
    }

    /** Stops taking submissions and writes what is queued before returning. */
    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        List<Submission> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Submission first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                int count = first.messages().size();
                Submission next;
                while (count < batchSize && (next = queue.poll()) != null) {
                    batch.add(next);
                    count += next.messages().size();
                }
                write(batch, count);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Submission> batch, int count) {
        List<TelemetryMessage> messages = new ArrayList<>(count);
        for (Submission s : batch) {
            messages.addAll(s.messages());
        }
        queued.addAndGet(-count);
        try {
            store.write(messages);
            batch.forEach(s -> s.done().complete(null));
        } catch (RuntimeException e) {
            log.warn("telemetry batch of {} messages not written (or not handed to its listeners): {}", count,
                    e.toString());
            Unavailable failure = new Unavailable("telemetry store unavailable", e);
            batch.forEach(s -> s.done().completeExceptionally(failure));
        }
    }
}
