package io.fleetkeeper.carrier.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.carrier.CarrierIntegration;
import io.fleetkeeper.carrier.CarrierIntegrationService;
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

/**
 * {@code /api/v1/operator/carrier-integrations}: every tenant's carrier integrations for platform operators, filtered
 * by tenant and carrier; every access is audited.
 */
@RestController
@RequestMapping("/api/v1/operator/carrier-integrations")
class OperatorCarrierController {

    private final CarrierIntegrationService integrations;
    private final Limits limits;

    OperatorCarrierController(CarrierIntegrationService integrations, Limits limits) {
        this.integrations = integrations;
        this.limits = limits;
    }

    @GetMapping
    Page<CarrierIntegration> list(Caller caller, @RequestParam(name = "tenant_id", required = false) UUID tenantId,
            @RequestParam(required = false) String carrier, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return integrations.listForOperator(caller, tenantId, carrier, cursor, limits.pageSize(limit));
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<CarrierIntegration> create(Caller caller, @RequestBody CarrierIntegration.Fields body) {
        CarrierIntegration c = integrations.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/operator/carrier-integrations/" + c.id()))
                .eTag(Etags.of(c.version())).body(c);
    }

    @GetMapping("/{id}")
    ResponseEntity<CarrierIntegration> get(Caller caller, @PathVariable UUID id) {
        CarrierIntegration c = integrations.get(caller, id);
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }

    @PatchMapping("/{id}")
    ResponseEntity<CarrierIntegration> update(Caller caller, @PathVariable UUID id,
            @RequestBody CarrierIntegration.Patch body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        CarrierIntegration c = integrations.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        integrations.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }
}
