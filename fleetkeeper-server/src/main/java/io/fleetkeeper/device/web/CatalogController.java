package io.fleetkeeper.device.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.DeviceType;
import io.fleetkeeper.device.DeviceTypeService;
import io.fleetkeeper.device.Site;
import io.fleetkeeper.device.SiteService;
import io.fleetkeeper.device.SiteService.SiteFields;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.net.URI;
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

/** {@code /api/v1/sites} and {@code /api/v1/device-types}. */
@RestController
@RequestMapping("/api/v1")
class CatalogController {

    record TypeFields(String name, String description, List<String> requiredMetadata) {
    }

    private final SiteService sites;
    private final DeviceTypeService types;
    private final Limits limits;

    CatalogController(SiteService sites, DeviceTypeService types, Limits limits) {
        this.sites = sites;
        this.types = types;
        this.limits = limits;
    }

    @PostMapping("/sites")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<Site> createSite(Caller caller, @RequestBody SiteFields body) {
        Site s = sites.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/sites/" + s.id())).eTag(Etags.of(s.version())).body(s);
    }

    @GetMapping("/sites")
    Page<Site> listSites(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return sites.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/sites/{id}")
    ResponseEntity<Site> getSite(Caller caller, @PathVariable UUID id) {
        Site s = sites.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @PatchMapping(path = "/sites/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<Site> updateSite(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Site s = sites.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping("/sites/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<Void> deleteSite(Caller caller, @PathVariable UUID id) {
        sites.delete(caller, id);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/device-types")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<DeviceType> createType(Caller caller, @RequestBody TypeFields body) {
        DeviceType t = types.create(caller, body.name(), body.description(),
                body.requiredMetadata());
        return ResponseEntity.created(URI.create("/api/v1/device-types/" + t.name())).eTag(Etags.of(t.version()))
                .body(t);
    }

    @GetMapping("/device-types")
    Page<DeviceType> listTypes(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return types.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/device-types/{name}")
    ResponseEntity<DeviceType> getType(Caller caller, @PathVariable String name) {
        DeviceType t = types.get(caller.tenantId(), name);
        return ResponseEntity.ok().eTag(Etags.of(t.version())).body(t);
    }

    @PatchMapping(path = "/device-types/{name}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<DeviceType> updateType(Caller caller, @PathVariable String name, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        DeviceType t = types.update(caller, name, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(t.version())).body(t);
    }

    @DeleteMapping("/device-types/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<Void> deleteType(Caller caller, @PathVariable String name) {
        types.delete(caller, name);
        return ResponseEntity.noContent().build();
    }
}
