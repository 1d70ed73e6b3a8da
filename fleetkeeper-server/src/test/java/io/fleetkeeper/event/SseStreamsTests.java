package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A live stream asks whether it may go on ({@code stillFor}: the console's session, say) once a heartbeat, whether
 * events pause or not. Driven by a clock the fake subscription moves, so no time passes.
 */
class SseStreamsTests {

    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    final AtomicLong nanos = new AtomicLong();
    final AtomicInteger checks = new AtomicInteger();
    final List<String> sent = new ArrayList<>();
    final SseEmitter emitter = new SseEmitter() {
        @Override
        public void send(SseEventBuilder builder) {
            StringBuilder text = new StringBuilder();
            builder.build().forEach(part -> text.append(part.getData()));
            sent.add(text.toString());
        }
    };
    final OutboxEvent event = new OutboxEvent(1, "e-1", UUID.randomUUID(), null, "io.fleetkeeper.test", "{}",
            Instant.EPOCH);

    @Test
    void aStreamWhoseEventsNeverPauseIsCheckedOnceAHeartbeat() throws Exception {
        // an event every 10 ms; the check fails at its third call
        SseStreams.pump(wait -> {
            if (nanos.addAndGet(Duration.ofMillis(10).toNanos()) > Duration.ofMinutes(1).toNanos()) {
                throw new AssertionError("a minute of events and the stream was never checked");
            }
            return List.of(event);
        }, emitter, e -> SseEmitter.event().data("event"), () -> checks.incrementAndGet() < 3, HEARTBEAT, nanos::get);

        assertThat(checks).hasValue(3);
        assertThat(Duration.ofNanos(nanos.get())).as("ended at the third heartbeat").isEqualTo(Duration.ofSeconds(3));
        assertThat(sent).hasSize(299).allMatch(s -> s.contains("event") && !s.contains("keep-alive"));
    }

    @Test
    void anIdleStreamIsCheckedAndKeptAliveAtEveryHeartbeat() throws Exception {
        SseStreams.pump(wait -> {
            nanos.addAndGet(wait.toNanos());
            return List.of();
        }, emitter, e -> SseEmitter.event().data("event"), () -> checks.incrementAndGet() < 3, HEARTBEAT, nanos::get);

        assertThat(checks).hasValue(3);
        assertThat(sent).hasSize(2).allMatch(s -> s.contains("keep-alive"));
    }
}
