package io.fleetkeeper.ota.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.ota.Campaign;
import io.fleetkeeper.ota.CampaignService;
import io.fleetkeeper.ota.NewCampaign;
import io.fleetkeeper.ota.OtaAction;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/ota/campaigns}: OTA campaigns, their devices, pause, resume and cancel. {@code /api/v1/campaigns}
 * is the same resource under its earlier path.
 */
@RestController
@RequestMapping({"/api/v1/ota/campaigns", "/api/v1/campaigns"})
class CampaignController {

    private final CampaignService campaigns;
    private final Limits limits;

    CampaignController(CampaignService campaigns, Limits limits) {
        this.campaigns = campaigns;
        this.limits = limits;
    }

    /** {@code {firmware_id, target: {device_ids}}} → 201. */
    @PostMapping
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    ResponseEntity<Campaign> create(Caller caller, @RequestBody NewCampaign body) {
        Campaign c = campaigns.create(caller, body);
        return ResponseEntity.created(URI.create("/api/v1/ota/campaigns/" + c.id())).eTag(Etags.of(c.version())).body(c);
    }

    /** The tenant's campaigns with their per-status device counts, in creation order. */
    @GetMapping
    Page<Campaign> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return campaigns.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<Campaign> get(Caller caller, @PathVariable UUID id) {
        Campaign c = campaigns.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }

    /** The campaign's devices with their status, in the order their actions were created. */
    @GetMapping("/{id}/devices")
    Page<OtaAction> devices(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return campaigns.devices(caller.tenantId(), id, cursor, limits.pageSize(limit));
    }

    @PostMapping("/{id}/pause")
    ResponseEntity<Campaign> pause(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return ok(campaigns.pause(caller, id, Etags.expectedVersion(ifMatch)));
    }

    @PostMapping("/{id}/resume")
    ResponseEntity<Campaign> resume(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return ok(campaigns.resume(caller, id, Etags.expectedVersion(ifMatch)));
    }

    @PostMapping("/{id}/cancel")
    ResponseEntity<Campaign> cancel(Caller caller, @PathVariable UUID id,
            @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return ok(campaigns.cancel(caller, id, Etags.expectedVersion(ifMatch)));
    }

    private static ResponseEntity<Campaign> ok(Campaign c) {
        return ResponseEntity.ok().eTag(Etags.of(c.version())).body(c);
    }
}
