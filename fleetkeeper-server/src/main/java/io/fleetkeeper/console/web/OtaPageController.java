package io.fleetkeeper.console.web;

import io.fleetkeeper.ota.CampaignService;
import io.fleetkeeper.ota.FirmwareService;
import io.fleetkeeper.ota.NewCampaign;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /app/ota}: the firmware catalog and the OTA campaigns with their per-status device counts, refreshed live;
 * a new campaign over a fleet query; pause, resume and cancel with the version the page showed (If-Match
 * semantics).
 */
@Controller
class OtaPageController {

    private final FirmwareService firmware;
    private final CampaignService campaigns;

    OtaPageController(FirmwareService firmware, CampaignService campaigns) {
        this.firmware = firmware;
        this.campaigns = campaigns;
    }

    @GetMapping("/app/ota")
    String page(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("firmware", firmware.list(caller.tenantId(), null, null, DeviceListController.PAGE));
        return campaigns(caller, cursor, model, "console/ota");
    }

    @GetMapping("/app/ota/campaigns")
    String campaignRows(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        return campaigns(caller, cursor, model, "console/ota :: campaigns");
    }

    /** A campaign offering {@code firmwareId} to every device matching {@code query}, at most so many a minute. */
    @PostMapping("/app/ota/campaigns")
    String create(Caller caller, @RequestParam(required = false) String firmwareId, @RequestParam String query,
            @RequestParam(required = false) Long maxPerMinute, Model model, HttpServletResponse response) {
        model.addAttribute("campaignQuery", query);
        UUID id = Forms.blankToNull(firmwareId) == null ? null : UUID.fromString(firmwareId.strip());
        return Forms.apply(model, response, () -> campaigns.create(caller, new NewCampaign(id,
                new NewCampaign.Target(null, null, query.strip()), null, maxPerMinute, null, null, null, null, null,
                null, null)),
                "redirect:/app/ota", () -> page(caller, null, model));
    }

    @PostMapping("/app/ota/campaigns/{id}/{action:pause|resume|cancel}")
    String change(Caller caller, @PathVariable UUID id, @PathVariable String action, @RequestParam long version,
            Model model, HttpServletResponse response) {
        return Forms.apply(model, response, () -> {
            switch (action) {
                case "pause" -> campaigns.pause(caller, id, version);
                case "resume" -> campaigns.resume(caller, id, version);
                default -> campaigns.cancel(caller, id, version);
            }
        }, "redirect:/app/ota", () -> page(caller, null, model));
    }

    private String campaigns(Caller caller, String cursor, Model model, String view) {
        model.addAttribute("cursor", cursor);
        model.addAttribute("campaigns", campaigns.list(caller.tenantId(), cursor, DeviceListController.PAGE));
        return view;
    }
}
