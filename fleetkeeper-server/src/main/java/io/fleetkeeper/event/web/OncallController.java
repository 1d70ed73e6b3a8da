package io.fleetkeeper.event.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.event.OncallSchedule;
import io.fleetkeeper.event.OncallService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.net.URI;
import java.time.Instant;
import java.util.List;
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

/** {@code /api/v1/oncall-schedules}: rotations, overrides, and who is on call. */
@RestController
@RequestMapping("/api/v1/oncall-schedules")
class OncallController {

    /** The overrides of a schedule that have not ended. */
    record OverrideList(List<OncallSchedule.OncallOverride> items) {
    }

    private final OncallService schedules;
    private final Limits limits;

    OncallController(OncallService schedules, Limits limits) {
        this.schedules = schedules;
        this.limits = limits;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<OncallSchedule> create(Caller caller, @RequestBody JsonNode body) {
        OncallSchedule s = schedules.create(caller, schedules.read(body, OncallSchedule.Fields.class));
        return ResponseEntity.created(URI.create("/api/v1/oncall-schedules/" + s.id())).eTag(Etags.of(s.version()))
                .body(s);
    }

    @GetMapping
    Page<OncallSchedule> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return schedules.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<OncallSchedule> get(Caller caller, @PathVariable UUID id) {
        OncallSchedule s = schedules.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @PatchMapping(path = "/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<OncallSchedule> update(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        OncallSchedule s = schedules.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        schedules.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/{id}/on-call")
    OncallSchedule.OnCall onCall(Caller caller, @PathVariable UUID id, @RequestParam(required = false) Instant at) {
        return schedules.onCall(caller.tenantId(), id, at);
    }

    @GetMapping("/{id}/overrides")
    OverrideList overrides(Caller caller, @PathVariable UUID id) {
        return new OverrideList(schedules.overrides(caller.tenantId(), id));
    }

    @PostMapping("/{id}/overrides")
    @ResponseStatus(HttpStatus.CREATED)
    OncallSchedule.OncallOverride addOverride(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body) {
        return schedules.addOverride(caller, id, schedules.read(body, OncallSchedule.OverrideFields.class));
    }

    @DeleteMapping("/{id}/overrides/{overrideId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void deleteOverride(Caller caller, @PathVariable UUID id, @PathVariable UUID overrideId) {
        schedules.deleteOverride(caller, id, overrideId);
    }
}
