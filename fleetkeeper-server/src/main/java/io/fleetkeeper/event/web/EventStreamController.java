package io.fleetkeeper.event.web;

import io.fleetkeeper.event.EventStreams;
import io.fleetkeeper.event.SseStreams;
import io.fleetkeeper.tenancy.Caller;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/v1/events/stream}: Server-Sent Events of the caller's tenant. Each event's {@code id} is its
 * sequence number (send it back as {@code Last-Event-ID} to resume), {@code event} its CloudEvents type and
 * {@code data} the CloudEvent as JSON. Heartbeats, lifetime and shutdown: {@link SseStreams}.
 */
@RestController
class EventStreamController {

    private final EventStreams streams;
    private final SseStreams sse;

    EventStreamController(EventStreams streams, SseStreams sse) {
        this.streams = streams;
        this.sse = sse;
    }

    @GetMapping(path = "/api/v1/events/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(Caller caller, @RequestParam(required = false) List<String> type,
            @RequestParam(required = false) String query,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        EventStreams.Subscription sub = streams.open(caller.tenantId(), type, query, lastEventId);
        return sse.send(sub, e -> SseEmitter.event().id(Long.toString(e.seq())).name(e.type())
                .data(streams.json(e), MediaType.APPLICATION_JSON), () -> true);
    }
}
