package io.fleetkeeper.telemetry.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/**
 * The per-device publish rate limit of MQTT ({@code fleetkeeper.mqtt.publishes-per-second}) applied to HTTPS
 * telemetry requests: a token bucket per device (one request, whatever its batch size, takes one token), with a
 * burst of the same size, counted per node. Over it, the request is refused with 429 and nothing is stored.
 */
public final class HttpsRateLimiter {

    private final int perSecond;
    private final Clock clock;
    private final Cache<UUID, double[]> buckets = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterAccess(Duration.ofMinutes(5)).build();

    public HttpsRateLimiter(int perSecond, Clock clock) {
        this.perSecond = perSecond;
        this.clock = clock;
    }

    /** Takes a token for the device: false when it has sent faster than allowed. */
    public boolean tryAcquire(UUID deviceId) {
        long now = clock.millis();
        double[] b = buckets.get(deviceId, k -> new double[] {perSecond, now});
        synchronized (b) {
            b[0] = Math.min(perSecond, b[0] + (now - b[1]) / 1000.0 * perSecond);
            b[1] = now;
            if (b[0] < 1) {
                return false;
            }
            b[0] -= 1;
            return true;
        }
    }
}
