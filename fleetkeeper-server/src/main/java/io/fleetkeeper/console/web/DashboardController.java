package io.fleetkeeper.console.web;

import io.fleetkeeper.console.internal.FleetSamples;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStats;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * {@code /app}: the fleet at a glance, from the maintained device statistics (constant time in the fleet's size):
 * bar charts of the counts by status, identity status, health, firmware, type and connection, and the last 24 hours
 * of the fleet history. The charts part refreshes on the event stream.
 */
@Controller
class DashboardController {

    private final DeviceService devices;
    private final FleetSamples samples;
    private final Clock clock;

    DashboardController(DeviceService devices, FleetSamples samples, Clock clock) {
        this.devices = devices;
        this.samples = samples;
        this.clock = clock;
    }

    @GetMapping({"/app", "/app/"})
    String dashboard(Caller caller, Model model) {
        fill(caller.tenantId(), model);
        return "console/dashboard";
    }

    @GetMapping("/app/dashboard/fleet")
    String fleet(Caller caller, Model model) {
        fill(caller.tenantId(), model);
        return "console/dashboard :: fleet";
    }

    private void fill(UUID tenant, Model model) {
        DeviceStats stats = devices.stats(tenant);
        model.addAttribute("stats", stats);
        Map<String, Long> connection = new LinkedHashMap<>();
        connection.put("connected", stats.connected());
        connection.put("not connected", Math.max(0, stats.total() - stats.connected()));
        model.addAttribute("charts", List.of(
                Charts.bars("chart-status", "By status", stats.byStatus()),
                Charts.bars("chart-connection", "By connection", connection),
                Charts.bars("chart-health", "By health", stats.byHealth()),
                Charts.bars("chart-identity", "By identity status", stats.byIdentityStatus()),
                Charts.bars("chart-firmware", "By firmware", devices.countsBy(tenant, "firmware")),
                Charts.bars("chart-type", "By type", stats.byType())));
        Instant now = clock.instant();
        model.addAttribute("history", Charts.history(samples.history(tenant),
                FleetSamples.of(stats, now.toEpochMilli()), now.minus(FleetSamples.WINDOW)));
    }
}
