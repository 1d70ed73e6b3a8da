package io.fleetkeeper.console.web;

import io.fleetkeeper.provisioning.ProvisioningKey;
import io.fleetkeeper.provisioning.ProvisioningKeyService;
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
 * {@code /app/settings/provisioning-keys} ("Edge Registration Keys"): the tenant's provisioning keys; an admin
 * creates one (its secret shown on the answer page only) and revokes one.
 */
@Controller
class ProvisioningKeysPageController {

    private final ProvisioningKeyService keys;

    ProvisioningKeysPageController(ProvisioningKeyService keys) {
        this.keys = keys;
    }

    @GetMapping("/app/settings/provisioning-keys")
    String list(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("cursor", cursor);
        model.addAttribute("page", keys.list(caller.tenantId(), cursor, DeviceListController.PAGE));
        return "console/provisioning-keys";
    }

    @PostMapping("/app/settings/provisioning-keys")
    String create(Caller caller, @RequestParam String label, @RequestParam(required = false) String deviceType,
            Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        model.addAttribute("label", label);
        model.addAttribute("deviceType", deviceType);
        ProvisioningKey.Issued[] issued = new ProvisioningKey.Issued[1];
        String page = Forms.apply(model, response, () -> issued[0] = keys.create(caller, label.strip(),
                Forms.blankToNull(deviceType), null, null), null, () -> list(caller, null, model));
        if (issued[0] == null) {
            return page;
        }
        model.addAttribute("issued", issued[0]);
        model.addAttribute("label", null);
        model.addAttribute("deviceType", null);
        response.setStatus(201);
        return list(caller, null, model);
    }

    @PostMapping("/app/settings/provisioning-keys/{id}/revoke")
    String revoke(Caller caller, @PathVariable UUID id, Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        return Forms.apply(model, response, () -> keys.revoke(caller, id),
                "redirect:/app/settings/provisioning-keys", () -> list(caller, null, model));
    }
}
