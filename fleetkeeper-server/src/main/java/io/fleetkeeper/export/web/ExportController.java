package io.fleetkeeper.export.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.export.Export;
import io.fleetkeeper.export.ExportService;
import io.fleetkeeper.export.NewExport;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/exports}: export jobs and their downloads. */
@RestController
@RequestMapping("/api/v1/exports")
class ExportController {

    private final ExportService exports;
    private final Limits limits;

    ExportController(ExportService exports, Limits limits) {
        this.exports = exports;
        this.limits = limits;
    }

    /** {@code {kind, query?, from?, to?, columns?, format?, compression?}} → 202 with the queued export. */
    @PostMapping
    @ApiResponse(responseCode = "202", description = "Queued", useReturnTypeSchema = true)
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<Export> create(Caller caller, @RequestBody NewExport body) {
        Export e = exports.create(caller, body);
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/api/v1/exports/" + e.id()))
                .eTag(Etags.of(e.version())).body(e);
    }

    /** Newest first. */
    @GetMapping
    Page<Export> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return exports.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<Export> get(Caller caller, @PathVariable UUID id) {
        Export e = exports.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(e.version())).body(e);
    }

    @PostMapping("/{id}/cancel")
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<Export> cancel(Caller caller, @PathVariable UUID id) {
        Export e = exports.cancel(caller, id);
        return ResponseEntity.ok().eTag(Etags.of(e.version())).body(e);
    }

    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @RequiresRole(Role.OPERATOR)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id) {
        exports.delete(caller, id);
        return ResponseEntity.noContent().build();
    }

    /** 302 to a short-lived link to the artifact (pre-signed object-store URL or a signed link here). */
    @GetMapping("/{id}/download")
    @ApiResponse(responseCode = "302", description = "Redirect to a short-lived download link")
    ResponseEntity<Void> download(Caller caller, @PathVariable UUID id) {
        return ResponseEntity.status(HttpStatus.FOUND).location(exports.downloadLocation(caller.tenantId(), id))
                .build();
    }
}
