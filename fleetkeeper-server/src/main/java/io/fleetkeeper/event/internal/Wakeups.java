package io.fleetkeeper.event.internal;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;

/**
 * Wakes this node's event workers early: the relay when a transaction wrote outbox rows, the readers when the
 * relay sequenced some. Without a wake-up each waits its poll interval, which is how rows written on other
 * nodes are found.
 */
@Component
public class Wakeups {

    /** A signal workers wait on: a generation counter, so a wake-up between two waits is not lost. */
    public static final class Signal {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private long generation;

        public void fire() {
            lock.lock();
            try {
                generation++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        public long generation() {
            lock.lock();
            try {
                return generation;
            } finally {
                lock.unlock();
            }
        }

        /** Waits until fired after {@code seen}, or {@code max}; false when interrupted. */
        public boolean await(long seen, Duration max) {
            lock.lock();
            try {
                long nanos = max.toNanos();
                while (generation == seen && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                lock.unlock();
            }
        }
    }

    private final Signal written = new Signal();
    private final Signal sequenced = new Signal();
    private final Signal queued = new Signal();

    /** Outbox rows committed on this node. */
    public Signal written() {
        return written;
    }

    /** The relay on this node sequenced rows. */
    public Signal sequenced() {
        return sequenced;
    }

    /** Route deliveries were queued on this node. */
    public Signal queued() {
        return queued;
    }
}
