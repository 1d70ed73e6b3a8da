package io.fleetkeeper.shadow.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.shadow.Shadow;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowSummary;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.shadow.ShadowVersion;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/devices/{id}/shadow[/{name}]}: operators read shadows and write {@code desired}. Without a
 * name it is the classic shadow. {@code …/shadow/desired} (replace) and {@code …/shadow/reported} (report on
 * the device's behalf) write one section of the classic shadow.
 */
@RestController
@RequestMapping("/api/v1/devices/{id}")
class ShadowController {

    private final ShadowService shadows;

    ShadowController(ShadowService shadows) {
        this.shadows = shadows;
    }

    /** A device has few shadows, so this listing is one page, never a cursor. */
    @GetMapping("/shadows")
    Page<ShadowSummary> list(Caller caller, @PathVariable UUID id) {
        return new Page<>(shadows.list(caller.tenantId(), id), null);
    }

    @GetMapping({"/shadow", "/shadow/{name}"})
    ResponseEntity<Shadow> get(Caller caller, @PathVariable UUID id, @PathVariable(required = false) String name) {
        Shadow s = shadows.get(caller.tenantId(), id, name);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @GetMapping({"/shadow/delta", "/shadow/{name}/delta"})
    ResponseEntity<Shadow.Delta> delta(Caller caller, @PathVariable UUID id,
            @PathVariable(required = false) String name) {
        Shadow s = shadows.get(caller.tenantId(), id, name);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s.delta());
    }

    /**
     * {@code {"state":{"desired":{…}},"version"?,"client_token"?}} merged into desired; {@code If-Match} (412)
     * or {@code version} (409) make it conditional.
     */
    @PatchMapping({"/shadow", "/shadow/{name}"})
    ResponseEntity<Shadow> update(Caller caller, @PathVariable UUID id, @PathVariable(required = false) String name,
            @RequestBody JsonNode body, @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Shadow s = shadows.update(caller, id, name,
                ShadowUpdate.parse(body, "desired", Etags.expectedVersion(ifMatch)));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    /**
     * Replaces the classic shadow's desired state with the body (a JSON object); {@code If-Match} (412) makes it
     * conditional. {@code desired} and {@code reported} are section names, never shadow names.
     */
    @PutMapping("/shadow/desired")
    ResponseEntity<Shadow> replaceDesired(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Shadow s = shadows.update(caller, id, null,
                ShadowUpdate.replaceDesired(body, Etags.expectedVersion(ifMatch)));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    /**
     * {@code {"reported":{…},"version":n,"client_token"?}} merged into the classic shadow's reported state on
     * behalf of the device (a gateway or a back end reporting for it); {@code version} is required (409 when the
     * shadow moved on), {@code If-Match} is honoured too (412).
     */
    @PostMapping("/shadow/reported")
    ResponseEntity<Shadow> report(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Shadow s = shadows.update(caller, id, null, ShadowUpdate.report(body, Etags.expectedVersion(ifMatch)));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping({"/shadow", "/shadow/{name}"})
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id, @PathVariable(required = false) String name,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        shadows.delete(caller, id, name, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @GetMapping({"/shadow/history", "/shadow/{name}/history"})
    Page<ShadowVersion> history(Caller caller, @PathVariable UUID id,
            @PathVariable(required = false) String name) {
        return new Page<>(shadows.history(caller.tenantId(), id, name), null);
    }

    @GetMapping({"/shadow/history/{version}", "/shadow/{name}/history/{version}"})
    ShadowVersion historyVersion(Caller caller, @PathVariable UUID id, @PathVariable(required = false) String name,
            @PathVariable long version) {
        return shadows.history(caller.tenantId(), id, name, version);
    }
}
