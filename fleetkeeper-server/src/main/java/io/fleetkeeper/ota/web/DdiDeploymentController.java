package io.fleetkeeper.ota.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.ota.DeploymentService.Report;
import io.fleetkeeper.ota.DeploymentService;
import io.fleetkeeper.ota.Firmware;
import io.fleetkeeper.ota.FirmwareArtifact;
import io.fleetkeeper.ota.FirmwareService;
import io.fleetkeeper.ota.OtaAction;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriUtils;
import tools.jackson.databind.JsonNode;

/**
 * hawkBit DDI deployments: {@code deploymentBase/{actionId}} (the firmware as one chunk with its artifacts,
 * hashes and download links), its {@code feedback}, and artifact downloads under
 * {@code softwaremodules/{firmwareId}/artifacts/{filename}} with {@code Range}. Feedback bodies are read as
 * hawkBit reads them: unknown fields (SWUpdate sends {@code id} and {@code time}) are ignored.
 */
@RestController
class DdiDeploymentController {

    private static final String BASE = "/{tenant}/controller/v1/{controllerId}";

    private final DdiAuth auth;
    private final DeploymentService deployments;
    private final FirmwareService firmware;

    private final io.fleetkeeper.ota.OtaProperties props;

    DdiDeploymentController(DdiAuth auth, DeploymentService deployments, FirmwareService firmware,
            io.fleetkeeper.ota.OtaProperties props) {
        this.props = props;
        this.auth = auth;
        this.deployments = deployments;
        this.firmware = firmware;
    }

    @GetMapping(path = BASE + "/deploymentBase/{actionId}", produces = {"application/hal+json", "application/json"})
    Map<String, Object> deploymentBase(@PathVariable String tenant, @PathVariable String controllerId,
            @PathVariable long actionId,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            DeviceCertificate cert) {
        AuthenticatedDevice self = auth.target(tenant, controllerId, authorization, cert);
        OtaAction a = deployments.notified(self.tenantId(), deployments.action(self.tenantId(), self.deviceId(),
                actionId));
        Firmware f = deployments.firmwareOf(self.tenantId(), a);
        String base = DdiLinks.base(tenant, controllerId) + "/softwaremodules/" + f.id() + "/artifacts/";
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (FirmwareArtifact art : f.artifacts()) {
            String href = base + UriUtils.encodePathSegment(art.filename(), StandardCharsets.UTF_8);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("filename", art.filename());
            m.put("hashes", Map.of("sha1", art.sha1(), "md5", art.md5(), "sha256", art.sha256()));
            m.put("size", art.size());
            m.put("_links", Map.of("download", Map.of("href", href), "download-http", Map.of("href", href)));
            artifacts.add(m);
        }
        Map<String, Object> chunk = new LinkedHashMap<>();
        chunk.put("part", "os");
        chunk.put("version", f.version());
        chunk.put("name", f.name());
        chunk.put("artifacts", artifacts);
        DeploymentService.Handling handling = deployments.handling(self.tenantId(), a);
        Map<String, Object> deployment = new LinkedHashMap<>();
        deployment.put("download", handling.download());
        deployment.put("update", handling.update());
        if (handling.maintenanceWindow() != null) {
            deployment.put("maintenanceWindow", handling.maintenanceWindow());
        }
        deployment.put("chunks", List.of(chunk));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", Long.toString(a.id()));
        body.put("deployment", deployment);
        body.put("actionStatus", a.status());
        return body;
    }

    /**
     * {@code {status: {execution, result: {finished}, details}}} (hawkBit's shape; the fields at the top level are
     * read too). execution: proceeding, scheduled, resumed, download (started), downloaded, closed (with finished
     * success or failure), rejected (failure), canceled. 200 with no body.
     */
    @PostMapping(path = BASE + "/deploymentBase/{actionId}/feedback", consumes = "application/json")
    ResponseEntity<Void> feedback(@PathVariable String tenant, @PathVariable String controllerId,
            @PathVariable long actionId, @RequestBody JsonNode body,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            DeviceCertificate cert) {
        AuthenticatedDevice self = auth.target(tenant, controllerId, authorization, cert);
        JsonNode status = body.has("status") ? body.path("status") : body;
        String execution = status.path("execution").asString("");
        String finished = status.path("result").path("finished").asString("none");
        Report report = switch (execution) {
            case "proceeding", "scheduled", "resumed", "download" -> Report.STARTED;
            case "downloaded" -> Report.DOWNLOADED;
            case "closed" -> switch (finished) {
                case "success" -> Report.SUCCEEDED;
                case "failure", "none" -> Report.FAILED;
                default -> throw invalid("status.result.finished must be success, failure or none");
            };
            case "rejected" -> Report.FAILED;
            case "canceled" -> Report.CANCELED;
            default -> throw invalid("status.execution must be one of proceeding, scheduled, resumed, download,"
                    + " downloaded, closed, rejected, canceled");
        };
        deployments.report(self.tenantId(), self.deviceId(), actionId, report, details(status.path("details")));
        return ResponseEntity.ok().build();
    }

    /** {@code {id, cancelAction: {stopId}}}: the device is asked to stop action {@code stopId}. */
    @GetMapping(path = BASE + "/cancelAction/{actionId}", produces = {"application/hal+json", "application/json"})
    Map<String, Object> cancelAction(@PathVariable String tenant, @PathVariable String controllerId,
            @PathVariable long actionId,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            DeviceCertificate cert) {
        AuthenticatedDevice self = auth.target(tenant, controllerId, authorization, cert);
        OtaAction a = deployments.action(self.tenantId(), self.deviceId(), actionId);
        if (!OtaAction.CANCELING.equals(a.status()) && !OtaAction.CANCELED.equals(a.status())) {
            throw ApiException.notFound("cancel action");
        }
        return Map.of("id", Long.toString(a.id()), "cancelAction", Map.of("stopId", Long.toString(a.id())));
    }

    /**
     * The device's answer to a cancel: {@code closed} with {@code success} (or {@code canceled}) confirms it,
     * {@code rejected} or {@code closed} with {@code failure} refuses it (the update goes on); proceeding and
     * the like are accepted without change. 200 with no body.
     */
    @PostMapping(path = BASE + "/cancelAction/{actionId}/feedback", consumes = "application/json")
    ResponseEntity<Void> cancelFeedback(@PathVariable String tenant, @PathVariable String controllerId,
            @PathVariable long actionId, @RequestBody JsonNode body,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            DeviceCertificate cert) {
        AuthenticatedDevice self = auth.target(tenant, controllerId, authorization, cert);
        JsonNode status = body.has("status") ? body.path("status") : body;
        String execution = status.path("execution").asString("");
        String finished = status.path("result").path("finished").asString("none");
        String details = details(status.path("details"));
        switch (execution) {
            case "closed" -> {
                if (!"success".equals(finished) && !"failure".equals(finished) && !"none".equals(finished)) {
                    throw invalid("status.result.finished must be success, failure or none");
                }
                deployments.reportCancel(self.tenantId(), self.deviceId(), actionId, "success".equals(finished),
                        details);
            }
            case "canceled" -> deployments.reportCancel(self.tenantId(), self.deviceId(), actionId, true, details);
            case "rejected" -> deployments.reportCancel(self.tenantId(), self.deviceId(), actionId, false, details);
            case "proceeding", "scheduled", "resumed", "download", "downloaded" ->
                    deployments.action(self.tenantId(), self.deviceId(), actionId);
            default -> throw invalid("status.execution must be one of proceeding, scheduled, resumed, download,"
                    + " downloaded, closed, rejected, canceled");
        }
        return ResponseEntity.ok().build();
    }

    /**
     * {@code {mode?: merge | replace | remove, data: {name: value}}} (hawkBit's shape; SWUpdate also sends
     * {@code id}, {@code time} and {@code status}, which are ignored): the device's attributes, kept in its
     * metadata under {@code ddi_attributes}. 200 with no body; 400 for a body without a {@code data} object of
     * text values.
     */
    @org.springframework.web.bind.annotation.PutMapping(path = BASE + "/configData", consumes = "application/json")
    ResponseEntity<Void> configData(@PathVariable String tenant, @PathVariable String controllerId,
            @RequestBody JsonNode body,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            DeviceCertificate cert) {
        AuthenticatedDevice self = auth.target(tenant, controllerId, authorization, cert);
        JsonNode data = body.path("data");
        if (!data.isObject()) {
            throw invalid("data must be an object of attribute names and text values");
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : data.properties()) {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw invalid("data." + e.getKey() + " must be a text value");
            }
            attributes.put(e.getKey(), e.getValue().asString());
        }
        String mode = body.path("mode").asString("merge");
        if (!mode.equals("merge") && !mode.equals("replace") && !mode.equals("remove")) {
            throw invalid("mode must be merge, replace or remove");
        }
        deployments.saveAttributes(self.tenantId(), self.deviceId(), attributes, mode);
        return ResponseEntity.ok().build();
    }

    @GetMapping(BASE + "/softwaremodules/{firmwareId}/artifacts/{filename}")
    @ApiResponse(responseCode = "200", description = "The artifact",
            content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string",
                    format = "binary")))
    @ApiResponse(responseCode = "206", description = "The requested range",
            content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string",
                    format = "binary")))
    @ApiResponse(responseCode = "302", description = "A pre-signed URL of the artifact in the object store")
    void download(@PathVariable String tenant, @PathVariable String controllerId, @PathVariable UUID firmwareId,
            @PathVariable String filename,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            DeviceCertificate cert,
            @Parameter(hidden = true) HttpServletRequest request,
            @Parameter(hidden = true) HttpServletResponse response) throws IOException {
        AuthenticatedDevice self = auth.target(tenant, controllerId, authorization, cert);
        FirmwareArtifact a = firmware.artifact(self.tenantId(), firmwareId, filename);
        if (request.getHeader("Range") == null && !"HEAD".equals(request.getMethod())
                && request.getHeader("If-None-Match") == null) {
            firmware.recordDeviceDownload(self.tenantId(), self.deviceId(), firmwareId, a);
        }
        if (ArtifactDownload.redirect(response, props.downloadRedirectTtl(),
                () -> firmware.presign(self.tenantId(), a, props.downloadRedirectTtl()))) {
            return;
        }
        ArtifactDownload.serve(request, response, a,
                (offset, length) -> firmware.open(self.tenantId(), a, offset, length));
    }

    private static String details(JsonNode details) {
        if (!details.isArray() || details.isEmpty()) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        details.forEach(d -> lines.add(d.asString("")));
        return String.join("\n", lines);
    }

    private static ApiException invalid(String detail) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, detail);
    }
}
