package io.fleetkeeper.event;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Sends an {@link EventStreams.Subscription} to an HTTP client as Server-Sent Events, one virtual thread per stream:
 * each event as the caller renders it, a comment line every {@code fleetkeeper.events.stream-heartbeat} (15 s) to keep
 * idle connections open, the stream ended after an hour (the client reconnects with {@code Last-Event-ID}) or as soon
 * as the caller's check, made once a heartbeat, fails. At shutdown the open streams are ended first, so the graceful shutdown of the web server does not wait
 * for them (clients reconnect to another node).
 */
@Component
public class SseStreams implements SmartLifecycle {

    private static final Duration LIFETIME = Duration.ofHours(1);

    private final Set<SseEmitter> live = ConcurrentHashMap.newKeySet();
    private final Duration heartbeat;
    private volatile boolean running;

    SseStreams(EventProperties props) {
        this.heartbeat = props.streamHeartbeat();
    }

    /**
     * Starts sending {@code sub} and returns the emitter to answer the request with.
     *
     * @param render   the event as sent (name, id, data)
     * @param stillFor checked at every heartbeat: false ends the stream (for example the session behind it ended)
     */
    public SseEmitter send(EventStreams.Subscription sub, Function<OutboxEvent, SseEmitter.SseEventBuilder> render,
            BooleanSupplier stillFor) {
        SseEmitter emitter = new SseEmitter(LIFETIME.toMillis());
        Thread pump = Thread.ofVirtual().name("event-stream")
                .unstarted(() -> pump(sub, emitter, render, stillFor, heartbeat));
        live.add(emitter);
        emitter.onCompletion(() -> ended(emitter, pump));
        emitter.onTimeout(() -> ended(emitter, pump));
        emitter.onError(e -> ended(emitter, pump));
        pump.start();
        return emitter;
    }

    private void ended(SseEmitter emitter, Thread pump) {
        live.remove(emitter);
        pump.interrupt();
    }

    @Override
    public void start() {
        running = true;
    }

    /** Ends every open stream; the pumps stop and the requests complete. */
    @Override
    public void stop() {
        running = false;
        for (SseEmitter emitter : live) {
            emitter.complete();
        }
        live.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private static void pump(EventStreams.Subscription sub, SseEmitter emitter,
            Function<OutboxEvent, SseEmitter.SseEventBuilder> render, BooleanSupplier stillFor, Duration heartbeat) {
        try (sub) {
            emitter.send(SseEmitter.event().comment("stream open"));
            pump(sub::next, emitter, render, stillFor, heartbeat, System::nanoTime);
        } catch (IOException | IllegalStateException e) {
            return; // the client went away (or the emitter timed out): the container ends the request
        } catch (RuntimeException e) {
            emitter.completeWithError(e);
            return;
        }
        emitter.complete();
    }

    /**
     * Sends what {@code next} gives until the thread is interrupted or {@code stillFor} fails. {@code stillFor} is
     * asked once a heartbeat, whether the stream is idle or busy: a stream whose events never pause is checked as
     * often as an idle one.
     */
    static void pump(Function<Duration, List<OutboxEvent>> next, SseEmitter emitter,
            Function<OutboxEvent, SseEmitter.SseEventBuilder> render, BooleanSupplier stillFor, Duration heartbeat,
            LongSupplier nanos) throws IOException {
        long checked = nanos.getAsLong();
        while (!Thread.currentThread().isInterrupted()) {
            List<OutboxEvent> events = next.apply(heartbeat);
            long now = nanos.getAsLong();
            if (events.isEmpty() || now - checked >= heartbeat.toNanos()) {
                if (!stillFor.getAsBoolean()) {
                    break;
                }
                checked = now;
            }
            if (events.isEmpty()) {
                emitter.send(SseEmitter.event().comment("keep-alive"));
            }
            for (OutboxEvent e : events) {
                emitter.send(render.apply(e));
            }
        }
    }
}
