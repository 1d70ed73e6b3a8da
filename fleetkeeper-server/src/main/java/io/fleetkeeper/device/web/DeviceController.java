package io.fleetkeeper.device.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceQueryCompiler;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStats;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

/** {@code /api/v1/devices}: the device registry. */
@RestController
@RequestMapping("/api/v1")
class DeviceController {

    private final DeviceService devices;
    private final Limits limits;
    private final DeviceQueryCompiler queries;

    DeviceController(DeviceService devices, Limits limits, DeviceQueryCompiler queries) {
        this.devices = devices;
        this.limits = limits;
        this.queries = queries;
    }

    @PostMapping("/devices")
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<Device> create(Caller caller, @RequestBody NewDevice body) {
        Device d = devices.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/devices/" + d.id())).eTag(Etags.of(d.version())).body(d);
    }

    @GetMapping("/devices/{id}")
    ResponseEntity<Device> get(Caller caller, @PathVariable UUID id) {
        return withEtag(devices.get(caller.tenantId(), id));
    }

    @GetMapping("/devices")
    Page<Device> list(Caller caller,
            @RequestParam(required = false) String type,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String site,
            @RequestParam(name = "tag", required = false) List<String> tags,
            @RequestParam(name = "metadata", required = false) List<String> metadata,
            @RequestParam(required = false) String firmware,
            @RequestParam(name = "identity_status", required = false) String identityStatus,
            @RequestParam(name = "serial_prefix", required = false) String serialPrefix,
            @RequestParam(name = "last_seen_from", required = false) Instant lastSeenFrom,
            @RequestParam(name = "last_seen_to", required = false) Instant lastSeenTo,
            @RequestParam(required = false) String query,
            @RequestParam(required = false) String connected,
            @RequestParam(required = false) String sort,
            @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        DeviceStatus st = null;
        if (status != null) {
            st = DeviceStatus.parse(status);
            if (st == null) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER,
                        "status must be one of provisioning, active, suspended, decommissioned");
            }
        }
        DeviceFilter filter = new DeviceFilter(type, st, site, tags, metadataFilter(metadata), firmware,
                serialPrefix, lastSeenFrom, lastSeenTo, sort, identityStatus,
                queries.compile(caller.tenantId(), query), connectedFilter(connected));
        return devices.list(caller.tenantId(), filter, cursor, limits.pageSize(limit));
    }

    @PatchMapping(path = "/devices/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<Device> patch(Caller caller, @PathVariable UUID id, @RequestBody JsonNode patch,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        return withEtag(devices.patch(caller, id, patch, Etags.expectedVersion(ifMatch)));
    }

    @PostMapping("/devices/{id}/suspend")
    ResponseEntity<Device> suspend(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        return withEtag(devices.suspend(caller, id, Etags.expectedVersion(ifMatch)));
    }

    @PostMapping("/devices/{id}/resume")
    ResponseEntity<Device> resume(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        return withEtag(devices.resume(caller, id, Etags.expectedVersion(ifMatch)));
    }

    /** The body is optional; its {@code reason} is kept in the {@code DECOMMISSIONED} event and the audit log. */
    @PostMapping("/devices/{id}/decommission")
    ResponseEntity<Device> decommission(Caller caller, @PathVariable UUID id,
            @RequestBody(required = false) Decommission body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        return withEtag(devices.decommission(caller, id, Etags.expectedVersion(ifMatch),
                body == null ? null : body.reason()));
    }

    /** Why the device leaves the fleet (at most 512 characters). */
    record Decommission(@Nullable String reason) {
    }

    @DeleteMapping("/devices/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @RequiresRole(Role.ADMIN)
    ResponseEntity<Void> purge(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        devices.purge(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/devices/{id}/events")
    Page<DeviceEvent> events(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit, @RequestParam(required = false) List<String> type,
            @RequestParam(required = false) String slot) {
        return devices.events(caller.tenantId(), id, type == null ? Set.of() : Set.copyOf(type), slot, cursor,
                limits.pageSize(limit));
    }

    /** The devices whose gateway is this device, in id order. */
    @GetMapping("/devices/{id}/children")
    Page<Device> children(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        devices.get(caller.tenantId(), id);
        var filter = new DeviceFilter(null, null, null, null, null, null, null, null, null, "id", null,
                queries.compile(caller.tenantId(), "parent = \"" + id + "\""), null);
        return devices.list(caller.tenantId(), filter, cursor, limits.pageSize(limit));
    }

    @GetMapping("/stats/devices")
    DeviceStats stats(Caller caller) {
        return devices.stats(caller.tenantId());
    }

    private static ResponseEntity<Device> withEtag(Device d) {
        return ResponseEntity.ok().eTag(Etags.of(d.version())).body(d);
    }

    private static Boolean connectedFilter(String connected) {
        if (connected == null) {
            return null;
        }
        return switch (connected) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ApiException(ErrorCode.INVALID_PARAMETER, "connected must be true or false");
        };
    }

    private static Map<String, String> metadataFilter(List<String> params) {
        if (params == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "metadata filter must look like key=value");
            }
            out.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return out;
    }
}
