package io.fleetkeeper.event.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.event.EscalationPolicy;
import io.fleetkeeper.event.EscalationPolicyService;
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

/** {@code /api/v1/escalation-policies}: escalation chains that alert rules share. */
@RestController
@RequestMapping("/api/v1/escalation-policies")
class EscalationPolicyController {

    private final EscalationPolicyService policies;
    private final Limits limits;

    EscalationPolicyController(EscalationPolicyService policies, Limits limits) {
        this.policies = policies;
        this.limits = limits;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<EscalationPolicy> create(Caller caller, @RequestBody JsonNode body) {
        EscalationPolicy s = policies.create(caller, policies.read(body));
        return ResponseEntity.created(URI.create("/api/v1/escalation-policies/" + s.id())).eTag(Etags.of(s.version()))
                .body(s);
    }

    @GetMapping
    Page<EscalationPolicy> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return policies.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<EscalationPolicy> get(Caller caller, @PathVariable UUID id) {
        EscalationPolicy s = policies.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @PatchMapping(path = "/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<EscalationPolicy> update(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        EscalationPolicy s = policies.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        policies.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }
}
