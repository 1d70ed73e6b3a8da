package io.fleetkeeper.console.web;

import io.fleetkeeper.fleet.FleetGroupService;
import io.fleetkeeper.ota.CampaignService;
import io.fleetkeeper.ota.FirmwareService;
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
 * a new campaign over a fleet query, a group or a device list, staged in waves within a maintenance window
 * ({@link CampaignForm}); pause, resume and cancel with the version the page showed (If-Match
 * semantics).
 */
@Controller
class OtaPageController {

    private final FirmwareService firmware;
    private final CampaignService campaigns;
    private final FleetGroupService groups;

    OtaPageController(FirmwareService firmware, CampaignService campaigns, FleetGroupService groups) {
        this.firmware = firmware;
        this.campaigns = campaigns;
        this.groups = groups;
    }

    @GetMapping("/app/ota")
    String page(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("firmware", firmware.list(caller.tenantId(), null, null, DeviceListController.PAGE));
        model.addAttribute("groups", groups.list(caller.tenantId(), null, 100).items());
        model.addAttribute("days", CampaignForm.DAYS);
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", CampaignForm.empty());
        }
        return campaigns(caller, cursor, model, "console/ota");
    }

    @GetMapping("/app/ota/campaigns")
    String campaignRows(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        return campaigns(caller, cursor, model, "console/ota :: campaigns");
    }

    /** A campaign from the form: the firmware offered to a query's, a group's or listed devices, in waves. */
    @PostMapping("/app/ota/campaigns")
    String create(Caller caller, CampaignForm form, Model model, HttpServletResponse response) {
        model.addAttribute("form", form);
        return Forms.apply(model, response, () -> campaigns.create(caller, form.campaign()), "redirect:/app/ota",
                () -> page(caller, null, model));
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
