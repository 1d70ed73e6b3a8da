package io.fleetkeeper.template.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.template.Template;
import io.fleetkeeper.template.TemplateFields;
import io.fleetkeeper.template.TemplateService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/templates}: device templates and their versions; a device's upgrade to a newer version. */
@RestController
@RequestMapping("/api/v1")
class TemplateController {

    private final TemplateService templates;
    private final DeviceService devices;
    private final Limits limits;

    TemplateController(TemplateService templates, DeviceService devices, Limits limits) {
        this.templates = templates;
        this.devices = devices;
        this.limits = limits;
    }

    @PostMapping("/templates")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<Template> create(Caller caller, @RequestBody TemplateFields body) {
        Template t = templates.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/templates/" + t.id())).eTag(Etags.of(t.version())).body(t);
    }

    @GetMapping("/templates")
    Page<Template> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return templates.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    /** The latest version, or {@code ?version=N}. */
    @GetMapping("/templates/{id}")
    ResponseEntity<Template> get(Caller caller, @PathVariable UUID id,
            @RequestParam(required = false) Integer version) {
        Template t = templates.get(caller.tenantId(), id, version);
        return ResponseEntity.ok().eTag(Etags.of(t.version())).body(t);
    }

    @GetMapping("/templates/{id}/versions")
    Versions versions(Caller caller, @PathVariable UUID id) {
        return new Versions(templates.versions(caller.tenantId(), id));
    }

    /** Every version of a template, oldest first. */
    record Versions(List<Template> items) {
    }

    /** Adds the next version: the body is the whole template. */
    @PutMapping("/templates/{id}")
    ResponseEntity<Template> update(Caller caller, @PathVariable UUID id, @RequestBody TemplateFields body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Template t = templates.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(t.version())).body(t);
    }

    @DeleteMapping("/templates/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id) {
        templates.delete(caller, id);
        return ResponseEntity.noContent().build();
    }

    /** Moves a device to {@code version} of its template (the latest when absent). */
    @PostMapping("/devices/{id}/template-upgrade")
    ResponseEntity<Device> upgrade(Caller caller, @PathVariable UUID id, @RequestBody(required = false) Upgrade body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Device d = devices.upgradeTemplate(caller, id, body == null ? null : body.version(),
                Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(d.version())).body(d);
    }

    /** The template version to upgrade to; the latest when null. */
    record Upgrade(@Nullable Integer version) {
    }
}
