package io.fleetkeeper.provisioning.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.provisioning.BootstrapService;
import io.fleetkeeper.provisioning.Manifest;
import io.fleetkeeper.provisioning.ManifestService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Limits;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Batch manifests and the zero-touch settings of a tenant. */
@RestController
@RequestMapping("/api/v1")
class ManifestController {

    record Settings(String rebootstrap) {
    }

    private final ManifestService manifests;
    private final BootstrapService bootstrap;
    private final Limits limits;

    ManifestController(ManifestService manifests, BootstrapService bootstrap, Limits limits) {
        this.manifests = manifests;
        this.bootstrap = bootstrap;
        this.limits = limits;
    }

    /** CSV body (header {@code serial,device_type,metadata.KEY…}), up to 1,000,000 rows, read as a stream. */
    @PostMapping(path = "/manifests/import", consumes = "text/csv")
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<Manifest.Upload> upload(Caller caller, @RequestParam String name, HttpServletRequest request)
            throws IOException {
        var reader = new BufferedReader(new InputStreamReader(request.getInputStream(), StandardCharsets.UTF_8),
                1 << 16);
        Manifest.Upload up = manifests.upload(caller, name, reader);
        return ResponseEntity.created(URI.create("/api/v1/manifests/" + up.manifest().id())).body(up);
    }

    @GetMapping("/manifests")
    Page<Manifest> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return manifests.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/manifests/{id}")
    Manifest get(Caller caller, @PathVariable UUID id) {
        return manifests.get(caller.tenantId(), id);
    }

    @GetMapping("/manifests/{id}/entries")
    Page<Manifest.Entry> entries(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return manifests.entries(caller.tenantId(), id, cursor, limits.pageSize(limit));
    }

    @GetMapping("/provisioning/settings")
    Map<String, String> settings(Caller caller) {
        return Map.of("rebootstrap", bootstrap.policy(caller.tenantId()).name().toLowerCase());
    }

    @PutMapping("/provisioning/settings")
    @RequiresRole(Role.ADMIN)
    Map<String, String> updateSettings(Caller caller, @RequestBody Settings body) {
        return Map.of("rebootstrap", bootstrap.setPolicy(caller, body.rebootstrap()).name()
                .toLowerCase());
    }
}
