package io.fleetkeeper.console.web;

import io.fleetkeeper.event.AlertService;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /app/alerts}: the tenant's alerts, newest first, by status, refreshed live; acknowledge and resolve. */
@Controller
class AlertsPageController {

    private final AlertService alerts;

    AlertsPageController(AlertService alerts) {
        this.alerts = alerts;
    }

    @GetMapping("/app/alerts")
    String list(Caller caller, @RequestParam(required = false) String status,
            @RequestParam(required = false) String cursor, Model model) {
        return rows(caller, status, cursor, model, "console/alerts");
    }

    @GetMapping("/app/alerts/rows")
    String rows(Caller caller, @RequestParam(required = false) String status,
            @RequestParam(required = false) String cursor, Model model) {
        return rows(caller, status, cursor, model, "console/alerts :: rows");
    }

    @PostMapping("/app/alerts/{id}/{action:acknowledge|resolve}")
    String change(Caller caller, @PathVariable UUID id, @PathVariable String action, Model model,
            HttpServletResponse response) {
        return Forms.apply(model, response, () -> {
            if (action.equals("acknowledge")) {
                alerts.acknowledge(caller, id);
            } else {
                alerts.resolve(caller, id);
            }
        }, "redirect:/app/alerts", () -> list(caller, null, null, model));
    }

    private String rows(Caller caller, String status, String cursor, Model model, String view) {
        String s = Forms.blankToNull(status);
        model.addAttribute("status", s);
        model.addAttribute("cursor", cursor);
        model.addAttribute("page", alerts.list(caller.tenantId(), s, null, null, null, cursor,
                DeviceListController.PAGE));
        return view;
    }
}
