package io.fleetkeeper.telemetry.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where accepted messages go: completes once they are durable (written to the store, or acknowledged by the
 * stream), exceptionally with {@link Unavailable} when they cannot be made durable now. Never blocks.
 */
public interface TelemetryPipeline {

    CompletableFuture<Void> submit(List<TelemetryMessage> messages);

    /** Starts taking submissions (safe to call twice). */
    void start();

    /** Stops; what was accepted is durable before it returns (safe to call twice). */
    void stop();

    /** Not durable now: the device should send again later. */
    final class Unavailable extends RuntimeException {

        public Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }
}
