package io.fleetkeeper.template.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.DeviceQueryCompiler;
import io.fleetkeeper.template.DeviceModule;
import io.fleetkeeper.template.DeviceSensor;
import io.fleetkeeper.template.DeviceTransport;
import io.fleetkeeper.template.InstanceService;
import io.fleetkeeper.template.InstanceService.Put;
import io.fleetkeeper.template.ModuleService;
import io.fleetkeeper.template.ModuleService.ModuleFields;
import io.fleetkeeper.template.TemplateSpec;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.annotation.Nullable;
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
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * A device's sensors, transports and modules ({@code /api/v1/devices/{id}/sensors|transports|modules}) and the
 * fleet-wide {@code /api/v1/sensors}.
 */
@RestController
@RequestMapping("/api/v1")
class InstanceController {

    private final InstanceService instances;
    private final ModuleService modules;
    private final DeviceQueryCompiler queries;
    private final Limits limits;

    InstanceController(InstanceService instances, ModuleService modules, DeviceQueryCompiler queries,
            Limits limits) {
        this.instances = instances;
        this.modules = modules;
        this.queries = queries;
        this.limits = limits;
    }

    /** A list without paging: a device has at most a hundred sensors. */
    record Items<T>(List<T> items) {
    }

    @GetMapping("/devices/{id}/sensors")
    Items<DeviceSensor> sensors(Caller caller, @PathVariable UUID id) {
        return new Items<>(instances.sensors(caller.tenantId(), id));
    }

    @PostMapping("/devices/{id}/sensors")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<DeviceSensor> addSensor(Caller caller, @PathVariable UUID id,
            @RequestBody TemplateSpec.Sensor body) {
        DeviceSensor s = instances.addSensor(caller, id, body);
        return ResponseEntity.created(URI.create("/api/v1/devices/" + id + "/sensors/" + s.key()))
                .eTag(Etags.of(s.version())).body(s);
    }

    @GetMapping("/devices/{id}/sensors/{key}")
    ResponseEntity<DeviceSensor> sensor(Caller caller, @PathVariable UUID id, @PathVariable String key) {
        DeviceSensor s = instances.sensor(caller.tenantId(), id, key);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @PatchMapping(path = "/devices/{id}/sensors/{key}", consumes = {"application/merge-patch+json",
        "application/json"})
    ResponseEntity<DeviceSensor> patchSensor(Caller caller, @PathVariable UUID id, @PathVariable String key,
            @RequestBody JsonNode patch, @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        DeviceSensor s = instances.patchSensor(caller, id, key, patch, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping("/devices/{id}/sensors/{key}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> deleteSensor(Caller caller, @PathVariable UUID id, @PathVariable String key) {
        instances.deleteSensor(caller, id, key);
        return ResponseEntity.noContent().build();
    }

    /** Sensors across the fleet; {@code query} is a fleet query selecting their devices. */
    @GetMapping("/sensors")
    Page<DeviceSensor> fleetSensors(Caller caller, @RequestParam(required = false) String query,
            @RequestParam(required = false) String key, @RequestParam(name = "data_type", required = false)
            String dataType, @RequestParam(required = false) String unit,
            @RequestParam(required = false) String enabled, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        Boolean on = null;
        if (enabled != null) {
            if (!enabled.equals("true") && !enabled.equals("false")) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "enabled must be true or false");
            }
            on = Boolean.valueOf(enabled);
        }
        return instances.fleetSensors(caller.tenantId(), key, dataType, unit, on,
                queries.compile(caller.tenantId(), query), cursor, limits.pageSize(limit));
    }

    @GetMapping("/devices/{id}/transports")
    Items<DeviceTransport> transports(Caller caller, @PathVariable UUID id) {
        return new Items<>(instances.transports(caller.tenantId(), id));
    }

    /** Creates (201) or replaces (200) the device's transport of {@code kind}. */
    @PutMapping("/devices/{id}/transports/{kind}")
    @ApiResponse(responseCode = "200", description = "Replaced", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    ResponseEntity<DeviceTransport> putTransport(Caller caller, @PathVariable UUID id, @PathVariable String kind,
            @RequestBody TransportFields body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Put<DeviceTransport> p = instances.putTransport(caller, id, kind, body.settings(), body.enabled(),
                Etags.expectedVersion(ifMatch));
        return (p.created() ? ResponseEntity.status(HttpStatus.CREATED) : ResponseEntity.ok())
                .eTag(Etags.of(p.value().version())).body(p.value());
    }

    /** A transport's settings (a JSON object without secrets) and whether it is in use (default true). */
    record TransportFields(@Nullable JsonNode settings, @Nullable Boolean enabled) {
    }

    @DeleteMapping("/devices/{id}/transports/{kind}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> deleteTransport(Caller caller, @PathVariable UUID id, @PathVariable String kind) {
        instances.deleteTransport(caller, id, kind);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/devices/{id}/modules")
    Items<DeviceModule> modules(Caller caller, @PathVariable UUID id) {
        return new Items<>(modules.modules(caller.tenantId(), id));
    }

    /** Assigns (201) a module to an empty slot or replaces (200) the one there. */
    @PutMapping("/devices/{id}/modules/{slot}")
    @ApiResponse(responseCode = "200", description = "Replaced", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    ResponseEntity<DeviceModule> putModule(Caller caller, @PathVariable UUID id, @PathVariable String slot,
            @RequestBody ModuleFields body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Put<DeviceModule> p = modules.put(caller, id, slot, body, Etags.expectedVersion(ifMatch));
        return (p.created() ? ResponseEntity.status(HttpStatus.CREATED) : ResponseEntity.ok())
                .eTag(Etags.of(p.value().version())).body(p.value());
    }

    @DeleteMapping("/devices/{id}/modules/{slot}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> removeModule(Caller caller, @PathVariable UUID id, @PathVariable String slot) {
        modules.remove(caller, id, slot);
        return ResponseEntity.noContent().build();
    }
}
