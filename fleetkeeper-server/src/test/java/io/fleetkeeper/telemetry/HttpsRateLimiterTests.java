package io.fleetkeeper.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.telemetry.internal.HttpsRateLimiter;
import io.fleetkeeper.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The HTTPS telemetry rate limit: a burst of the rate, then the rate, per device, under a clock the test moves. */
class HttpsRateLimiterTests {

    @Test
    void aDeviceGetsABurstThenTheRateAndOthersAreNotAffected() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        HttpsRateLimiter limiter = new HttpsRateLimiter(10, clock);
        UUID busy = UUID.randomUUID();
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire(busy)).as("request %d of the burst", i).isTrue();
        }
        assertThat(limiter.tryAcquire(busy)).isFalse();
        assertThat(limiter.tryAcquire(UUID.randomUUID())).as("another device").isTrue();
        clock.advance(Duration.ofMillis(100));
        assertThat(limiter.tryAcquire(busy)).as("one token back after a tenth of a second").isTrue();
        assertThat(limiter.tryAcquire(busy)).isFalse();
        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire(busy)).isTrue();
        }
        assertThat(limiter.tryAcquire(busy)).as("the burst never exceeds the rate").isFalse();
    }
}
