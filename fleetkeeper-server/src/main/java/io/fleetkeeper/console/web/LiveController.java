package io.fleetkeeper.console.web;

import io.fleetkeeper.event.EventStreams;
import io.fleetkeeper.event.EventTypes;
import io.fleetkeeper.event.OutboxEvent;
import io.fleetkeeper.event.SseStreams;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /app/live?after=<id>}: the signed-in tenant's event stream (the event feature's live streams, as
 * {@code /api/v1/events/stream}) for the console's pages, authenticated by the session. A page opens it after the
 * event id it was rendered at, so nothing in between is missed; a reconnect resumes with {@code Last-Event-ID}. Each event says only what
 * changed ({@code {"type":"shadow.updated","device":"…"}}); the page fetches the parts that show it through the
 * usual page fragments, with the session's rights. The session is checked again at every heartbeat: signing out,
 * a revoked token or a suspended tenant ends the stream.
 */
@Controller
class LiveController {

    private final EventStreams streams;
    private final SseStreams sse;
    private final SessionCallers callers;
    private final ConsoleCookies cookies;
    private final JsonMapper json;

    LiveController(EventStreams streams, SseStreams sse, SessionCallers callers, ConsoleCookies cookies,
            JsonMapper json) {
        this.streams = streams;
        this.sse = sse;
        this.callers = callers;
        this.cookies = cookies;
        this.json = json;
    }

    @GetMapping(path = "/app/live", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @ResponseBody
    SseEmitter live(Caller caller, HttpServletRequest request,
            @RequestParam(required = false) String after,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        String session = cookies.sessionId(request);
        EventStreams.Subscription sub = streams.open(caller.tenantId(), null, null,
                lastEventId != null ? lastEventId : after);
        return sse.send(sub, e -> SseEmitter.event().id(Long.toString(e.seq())).data(change(e)),
                () -> callers.of(session).filter(c -> c.tenantId().equals(caller.tenantId())).isPresent());
    }

    private String change(OutboxEvent e) {
        Map<String, String> change = new LinkedHashMap<>();
        change.put("type", e.type().startsWith(EventTypes.PREFIX) ? e.type().substring(EventTypes.PREFIX.length())
                : e.type());
        change.put("device", e.deviceId() == null ? "" : e.deviceId().toString());
        return json.writeValueAsString(change);
    }
}
