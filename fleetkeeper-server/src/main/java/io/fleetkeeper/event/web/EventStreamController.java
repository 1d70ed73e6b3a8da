package io.fleetkeeper.event.web;

import io.fleetkeeper.event.EventStreams;
import io.fleetkeeper.event.OutboxEvent;
import io.fleetkeeper.tenancy.Caller;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/v1/events/stream}: Server-Sent Events of the caller's tenant. Each event's {@code id} is its
 * sequence number (send it back as {@code Last-Event-ID} to resume), {@code event} its CloudEvents type and
 * {@code data} the CloudEvent as JSON. A comment line every 15 s keeps idle connections open; the server ends a
 * stream after an hour and the client reconnects with {@code Last-Event-ID}. At shutdown the open streams are ended
 * first, so the graceful shutdown of the web server does not wait for them (clients reconnect to another node).
 */
@RestController
class EventStreamController implements SmartLifecycle {

    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final Duration LIFETIME = Duration.ofHours(1);

    private final EventStreams streams;
    private final Set<SseEmitter> live = ConcurrentHashMap.newKeySet();
    private volatile boolean running;

    EventStreamController(EventStreams streams) {
        this.streams = streams;
    }

    @GetMapping(path = "/api/v1/events/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(Caller caller, @RequestParam(required = false) List<String> type,
            @RequestParam(required = false) String query,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        EventStreams.Subscription sub = streams.open(caller.tenantId(), type, query, lastEventId);
        SseEmitter emitter = new SseEmitter(LIFETIME.toMillis());
        Thread pump = Thread.ofVirtual().name("event-stream").unstarted(() -> pump(sub, emitter));
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

    private void pump(EventStreams.Subscription sub, SseEmitter emitter) {
        try (sub) {
            emitter.send(SseEmitter.event().comment("stream open"));
            while (!Thread.currentThread().isInterrupted()) {
                List<OutboxEvent> events = sub.next(HEARTBEAT);
                if (events.isEmpty()) {
                    emitter.send(SseEmitter.event().comment("keep-alive"));
                }
                for (OutboxEvent e : events) {
                    emitter.send(SseEmitter.event().id(Long.toString(e.seq())).name(e.type())
                            .data(streams.json(e), MediaType.APPLICATION_JSON));
                }
            }
        } catch (IOException | IllegalStateException e) {
            return; // the client went away (or the emitter timed out): the container ends the request
        } catch (RuntimeException e) {
            emitter.completeWithError(e);
            return;
        }
        emitter.complete();
    }
}
