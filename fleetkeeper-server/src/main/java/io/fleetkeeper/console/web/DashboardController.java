package io.fleetkeeper.console.web;

import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.tenancy.Caller;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** {@code /app}: the fleet at a glance, from the maintained device statistics. */
@Controller
class DashboardController {

    private final DeviceService devices;

    DashboardController(DeviceService devices) {
        this.devices = devices;
    }

    @GetMapping({"/app", "/app/"})
    String dashboard(Caller caller, Model model) {
        model.addAttribute("stats", devices.stats(caller.tenantId()));
        return "console/dashboard";
    }
}
