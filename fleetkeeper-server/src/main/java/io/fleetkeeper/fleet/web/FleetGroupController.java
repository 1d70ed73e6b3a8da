package io.fleetkeeper.fleet.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.fleet.FleetGroup;
import io.fleetkeeper.fleet.FleetGroupService;
import io.fleetkeeper.fleet.FleetGroupService.GroupFields;
import io.fleetkeeper.fleet.GroupMembership;
import io.fleetkeeper.fleet.GroupMembership.MemberChange;
import io.fleetkeeper.fleet.GroupMembership.MemberResult;
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

/** {@code /api/v1/fleet-groups}: saved groups, their members and their devices. */
@RestController
@RequestMapping("/api/v1/fleet-groups")
class FleetGroupController {

    private final FleetGroupService groups;
    private final GroupMembership membership;
    private final Limits limits;

    FleetGroupController(FleetGroupService groups, GroupMembership membership, Limits limits) {
        this.groups = groups;
        this.membership = membership;
        this.limits = limits;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<FleetGroup> create(Caller caller, @RequestBody GroupFields body) {
        FleetGroup g = groups.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/fleet-groups/" + g.id())).eTag(Etags.of(g.version()))
                .body(g);
    }

    @GetMapping
    Page<FleetGroup> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return groups.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<FleetGroup> get(Caller caller, @PathVariable UUID id) {
        return withEtag(groups.get(caller.tenantId(), id));
    }

    @PatchMapping(path = "/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<FleetGroup> update(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        return withEtag(groups.update(caller, id, body, Etags.expectedVersion(ifMatch)));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        groups.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/members")
    MemberResult members(Caller caller, @PathVariable UUID id, @RequestBody MemberChange body) {
        return membership.change(caller, id, body);
    }

    @GetMapping("/{id}/devices")
    Page<Device> devices(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String query,
            @RequestParam(required = false) String sort, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return membership.devices(caller.tenantId(), id, query, sort, cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}/count")
    Map<String, Long> count(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String query) {
        return Map.of("count", membership.count(caller.tenantId(), id, query));
    }

    private static ResponseEntity<FleetGroup> withEtag(FleetGroup g) {
        return ResponseEntity.ok().eTag(Etags.of(g.version())).body(g);
    }
}
