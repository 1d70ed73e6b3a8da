package io.fleetkeeper.connectivity.internal;

import io.netty.util.concurrent.Ticker;

/**
 * A token bucket: {@code perSecond} publishes a second on average, with a burst of the same size; it starts
 * full. Time comes from the connection's event loop ticker (tests move it). Used on one event loop only.
 */
final class PublishRateLimiter {

    private final int perSecond;
    private final Ticker ticker;
    private double tokens;
    private long tokensAt;

    PublishRateLimiter(int perSecond, Ticker ticker) {
        this.perSecond = perSecond;
        this.ticker = ticker;
        this.tokens = perSecond;
        this.tokensAt = ticker.nanoTime();
    }

    /** Takes a token: false when the device has published faster than allowed. */
    boolean tryAcquire() {
        long now = ticker.nanoTime();
        tokens = Math.min(perSecond, tokens + (now - tokensAt) / 1e9 * perSecond);
        tokensAt = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
