package io.fleetkeeper.event.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.event.Route;
import io.fleetkeeper.event.RouteDelivery;
import io.fleetkeeper.event.RouteFields;
import io.fleetkeeper.event.RouteService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.net.URI;
import java.util.Map;
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

/** {@code /api/v1/routes}: message routes, their delivery log, dead-letter replay and a test send. */
@RestController
@RequestMapping("/api/v1/routes")
class RouteController {

    private final RouteService routes;
    private final Limits limits;

    RouteController(RouteService routes, Limits limits) {
        this.routes = routes;
        this.limits = limits;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<Route> create(Caller caller, @RequestBody RouteFields body) {
        Route r = routes.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/routes/" + r.id())).eTag(Etags.of(r.version())).body(r);
    }

    @GetMapping
    Page<Route> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return routes.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<Route> get(Caller caller, @PathVariable UUID id) {
        Route r = routes.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(r.version())).body(r);
    }

    @PatchMapping(path = "/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<Route> update(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Route r = routes.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(r.version())).body(r);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        routes.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/{id}/deliveries")
    Page<RouteDelivery> deliveries(Caller caller, @PathVariable UUID id,
            @RequestParam(required = false) String status, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return routes.deliveries(caller.tenantId(), id, status, cursor, limits.pageSize(limit));
    }

    @PostMapping("/{id}/deliveries/replay")
    Map<String, Integer> replay(Caller caller, @PathVariable UUID id) {
        return Map.of("replayed", routes.replayDeadLetters(caller, id));
    }

    @PostMapping("/{id}/test")
    RouteService.TestResult test(Caller caller, @PathVariable UUID id) {
        return routes.test(caller, id);
    }
}
