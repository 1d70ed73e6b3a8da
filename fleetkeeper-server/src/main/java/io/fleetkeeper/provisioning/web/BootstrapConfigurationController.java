package io.fleetkeeper.provisioning.web;

import io.fleetkeeper.provisioning.BootstrapConfigurationService;
import io.fleetkeeper.provisioning.BootstrapConfigurationService.BootstrapConfiguration;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import jakarta.annotation.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The tenant's bootstrap configuration: the JSON document every provisioned device receives. */
@RestController
@RequestMapping("/api/v1/provisioning/bootstrap-configuration")
class BootstrapConfigurationController {

    /** The new document: a JSON object, with placeholders in string values substituted per device. */
    record Replace(@Nullable JsonNode document) {
    }

    private final BootstrapConfigurationService configurations;

    BootstrapConfigurationController(BootstrapConfigurationService configurations) {
        this.configurations = configurations;
    }

    @GetMapping
    ResponseEntity<BootstrapConfiguration> get(Caller caller) {
        return withEtag(configurations.get(caller.tenantId()));
    }

    @PutMapping
    @RequiresRole(Role.ADMIN)
    ResponseEntity<BootstrapConfiguration> put(Caller caller, @RequestBody Replace body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        return withEtag(configurations.put(caller, body.document(), Etags.expectedVersion(ifMatch)));
    }

    private static ResponseEntity<BootstrapConfiguration> withEtag(BootstrapConfiguration c) {
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }
}
