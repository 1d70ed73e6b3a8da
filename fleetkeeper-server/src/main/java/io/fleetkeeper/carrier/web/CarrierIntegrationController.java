package io.fleetkeeper.carrier.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.carrier.CarrierIntegration;
import io.fleetkeeper.carrier.CarrierIntegrationService;
import io.fleetkeeper.carrier.CarrierPlan;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.net.URI;
import java.util.List;
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

/** {@code /api/v1/carrier-integrations}: a tenant's accounts at mobile carriers; credentials are admin business. */
@RestController
@RequestMapping("/api/v1/carrier-integrations")
class CarrierIntegrationController {

    private final CarrierIntegrationService integrations;
    private final Limits limits;

    CarrierIntegrationController(CarrierIntegrationService integrations, Limits limits) {
        this.integrations = integrations;
        this.limits = limits;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<CarrierIntegration> create(Caller caller, @RequestBody CarrierIntegration.Fields body) {
        CarrierIntegration c = integrations.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/carrier-integrations/" + c.id()))
                .eTag(Etags.of(c.version())).body(c);
    }

    @GetMapping
    Page<CarrierIntegration> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return integrations.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<CarrierIntegration> get(Caller caller, @PathVariable UUID id) {
        CarrierIntegration c = integrations.get(caller, id);
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }

    @PatchMapping("/{id}")
    @RequiresRole(Role.ADMIN)
    ResponseEntity<CarrierIntegration> update(Caller caller, @PathVariable UUID id,
            @RequestBody CarrierIntegration.Patch body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        CarrierIntegration c = integrations.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        integrations.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/test")
    @RequiresRole(Role.ADMIN)
    CarrierIntegration.TestResult test(Caller caller, @PathVariable UUID id) {
        return integrations.test(caller, id);
    }

    @PostMapping("/{id}/sync")
    CarrierIntegration sync(Caller caller, @PathVariable UUID id) {
        return integrations.syncNow(caller, id);
    }

    @GetMapping("/{id}/plans")
    Map<String, List<CarrierPlan>> plans(Caller caller, @PathVariable UUID id) {
        return Map.of("items", integrations.plans(caller, id));
    }
}
