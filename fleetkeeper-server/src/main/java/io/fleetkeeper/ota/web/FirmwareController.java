package io.fleetkeeper.ota.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.ota.Firmware;
import io.fleetkeeper.ota.FirmwareArtifact;
import io.fleetkeeper.ota.FirmwareService;
import io.fleetkeeper.ota.NewFirmware;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.UUID;
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
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/firmware}: the firmware catalog, artifact uploads and downloads. */
@RestController
@RequestMapping("/api/v1/firmware")
class FirmwareController {

    private final FirmwareService firmware;
    private final Limits limits;

    FirmwareController(FirmwareService firmware, Limits limits) {
        this.firmware = firmware;
        this.limits = limits;
    }

    /** {@code {name, version, device_types?, description?, release_notes?}} → 201. */
    @PostMapping
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    ResponseEntity<Firmware> create(Caller caller, @RequestBody NewFirmware body) {
        Firmware f = firmware.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/firmware/" + f.id())).eTag(Etags.of(f.revision())).body(f);
    }

    /** In creation order; {@code ?name=} lists the versions of one firmware. */
    @GetMapping
    Page<Firmware> list(Caller caller, @RequestParam(required = false) String name,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) Integer limit) {
        return firmware.list(caller.tenantId(), name, cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<Firmware> get(Caller caller, @PathVariable UUID id) {
        Firmware f = firmware.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(f.revision())).body(f);
    }

    /** JSON merge patch of {@code device_types}, {@code description}, {@code release_notes}; If-Match optional. */
    @PatchMapping(path = "/{id}", consumes = {"application/merge-patch+json", "application/json"})
    ResponseEntity<Firmware> update(Caller caller, @PathVariable UUID id, @RequestBody JsonNode patch,
            @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        Firmware f = firmware.update(caller, id, patch, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(f.revision())).body(f);
    }

    /** Deletes the firmware and its artifacts; If-Match optional. */
    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @RequiresRole(Role.ADMIN)
    ResponseEntity<Void> delete(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        firmware.delete(caller, id, Etags.expectedVersion(ifMatch));
        return ResponseEntity.noContent().build();
    }

    /**
     * The artifact's bytes as the request body ({@code application/octet-stream}), streamed; {@code ?sha256=}
     * (hex) is checked once the body is in: a mismatch keeps nothing. 201 with size and digests.
     */
    @PutMapping(path = "/{id}/artifacts/{filename}", consumes = "application/octet-stream")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "201", description = "Stored", useReturnTypeSchema = true)
    ResponseEntity<FirmwareArtifact> upload(Caller caller, @PathVariable UUID id, @PathVariable String filename,
            @RequestParam(required = false) String sha256,
            @Parameter(hidden = true) HttpServletRequest request) throws IOException {
        FirmwareArtifact a = firmware.addArtifact(caller, id, filename, request.getInputStream(), sha256,
                request.getContentLengthLong());
        return ResponseEntity.created(URI.create("/api/v1/firmware/" + id + "/artifacts/" + filename)).body(a);
    }

    /** The artifact's bytes; {@code Range} (one range) → 206, {@code If-Range} with the ETag. */
    @GetMapping("/{id}/artifacts/{filename}")
    @ApiResponse(responseCode = "200", description = "The artifact",
            content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string",
                    format = "binary")))
    @ApiResponse(responseCode = "206", description = "The requested range",
            content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string",
                    format = "binary")))
    void download(Caller caller, @PathVariable UUID id, @PathVariable String filename,
            @Parameter(hidden = true) HttpServletRequest request,
            @Parameter(hidden = true) HttpServletResponse response) throws IOException {
        FirmwareArtifact a = firmware.artifact(caller.tenantId(), id, filename);
        ArtifactDownload.serve(request, response, a,
                (offset, length) -> firmware.open(caller.tenantId(), a, offset, length));
    }

    @DeleteMapping("/{id}/artifacts/{filename}")
    @ApiResponse(responseCode = "204", description = "Deleted")
    ResponseEntity<Void> deleteArtifact(Caller caller, @PathVariable UUID id, @PathVariable String filename) {
        firmware.deleteArtifact(caller, id, filename);
        return ResponseEntity.noContent().build();
    }
}
