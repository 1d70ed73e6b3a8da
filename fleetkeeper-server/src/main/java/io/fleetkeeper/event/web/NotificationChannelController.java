package io.fleetkeeper.event.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.event.NotificationChannel;
import io.fleetkeeper.event.NotificationChannelService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/notification-channels}: Slack, Teams, PagerDuty and webhook destinations of alerts. */
@RestController
@RequestMapping("/api/v1/notification-channels")
class NotificationChannelController {

    private final NotificationChannelService channels;
    private final Limits limits;

    NotificationChannelController(NotificationChannelService channels, Limits limits) {
        this.channels = channels;
        this.limits = limits;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<NotificationChannel> create(Caller caller, @RequestBody NotificationChannel.Fields body) {
        NotificationChannel c = channels.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/notification-channels/" + c.id()))
                .eTag(Etags.of(c.version())).body(c);
    }

    @GetMapping
    Page<NotificationChannel> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return channels.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<NotificationChannel> get(Caller caller, @PathVariable UUID id) {
        NotificationChannel c = channels.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }

    @PatchMapping(path = "/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<NotificationChannel> update(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        NotificationChannel c = channels.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        channels.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }
}
