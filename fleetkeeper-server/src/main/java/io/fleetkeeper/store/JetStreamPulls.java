package io.fleetkeeper.store;

import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes batches from a JetStream pull subscription without waiting for a batch to fill: a consumer gets what
 * is there as soon as there is something ({@link JetStreamSubscription#fetch} waits until the batch is full or
 * its time is up, which puts that wait on every message of a light load).
 */
public final class JetStreamPulls {

    /** How long the pull for the rest of a batch waits (a few milliseconds: enough for what is there). */
    private static final Duration GAP = Duration.ofMillis(5);

    private JetStreamPulls() {
    }

    /**
     * Up to {@code max} messages: waits up to {@code wait} for the first, then takes the ones already there or
     * arriving within a few milliseconds; empty when none came in time.
     */
    public static List<Message> next(JetStreamSubscription sub, int max, Duration wait) {
        List<Message> first = sub.fetch(1, wait);
        if (first.isEmpty() || max == 1) {
            return first;
        }
        List<Message> batch = new ArrayList<>(max);
        batch.addAll(first);
        batch.addAll(sub.fetch(max - 1, GAP));
        return batch;
    }
}
