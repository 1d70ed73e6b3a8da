package io.fleetkeeper.console.web;

import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.tenancy.TenantService.CreatedTenant;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /app/operator/tenants}: for a platform operator token only, the tenants; create one (its first admin
 * token shown once), suspend and resume.
 */
@Controller
class OperatorPageController {

    private final TenantService tenants;

    OperatorPageController(TenantService tenants) {
        this.tenants = tenants;
    }

    @GetMapping({"/app/operator", "/app/operator/tenants"})
    String list(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        Forms.requirePlatform(caller);
        model.addAttribute("cursor", cursor);
        model.addAttribute("page", tenants.list(cursor, DeviceListController.PAGE));
        return "console/tenants";
    }

    @PostMapping("/app/operator/tenants")
    String create(Caller caller, @RequestParam String name, Model model, HttpServletResponse response) {
        Forms.requirePlatform(caller);
        CreatedTenant[] created = new CreatedTenant[1];
        String page = Forms.apply(model, response, () -> created[0] = tenants.create(caller, name.strip()), null,
                () -> list(caller, null, model));
        if (created[0] == null) {
            return page;
        }
        model.addAttribute("created", created[0]);
        response.setStatus(201);
        return list(caller, null, model);
    }

    @PostMapping("/app/operator/tenants/{id}/{action:suspend|resume}")
    String change(Caller caller, @PathVariable UUID id, @PathVariable String action, Model model,
            HttpServletResponse response) {
        Forms.requirePlatform(caller);
        return Forms.apply(model, response, () -> {
            if (action.equals("suspend")) {
                tenants.suspend(caller, id);
            } else {
                tenants.resume(caller, id);
            }
        }, "redirect:/app/operator/tenants", () -> list(caller, null, model));
    }
}
