package io.fleetkeeper.export.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.export.ExportSchedule;
import io.fleetkeeper.export.ExportScheduleService;
import io.fleetkeeper.export.NewExportSchedule;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
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
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/export-schedules}: exports queued on a cron schedule. */
@RestController
@RequestMapping("/api/v1/export-schedules")
class ExportScheduleController {

    private final ExportScheduleService schedules;
    private final Limits limits;

    ExportScheduleController(ExportScheduleService schedules, Limits limits) {
        this.schedules = schedules;
        this.limits = limits;
    }

    @PostMapping
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<ExportSchedule> create(Caller caller, @RequestBody NewExportSchedule body) {
        ExportSchedule s = schedules.create(caller, body);
        return ResponseEntity.status(HttpStatus.CREATED).location(URI.create("/api/v1/export-schedules/" + s.id()))
                .eTag(Etags.of(s.version())).body(s);
    }

    @GetMapping
    Page<ExportSchedule> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return schedules.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<ExportSchedule> get(Caller caller, @PathVariable UUID id) {
        ExportSchedule s = schedules.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    /** RFC 7396 merge patch of any field but {@code kind}; {@code If-Match} with the ETag: 412 when stale. */
    @PatchMapping(path = "/{id}", consumes = {"application/merge-patch+json", "application/json"})
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<ExportSchedule> update(Caller caller, @PathVariable UUID id, @RequestBody JsonNode body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        ExportSchedule s = schedules.update(caller, id, body, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id) {
        schedules.delete(caller, id);
        return ResponseEntity.noContent().build();
    }
}
