package io.fleetkeeper.console.web;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStats;
import io.fleetkeeper.pki.CaService;
import io.fleetkeeper.provisioning.ProvisioningKeyService;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.tenancy.Caller;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * {@code /app/fleet/getting-started}: five onboarding steps, each found done from the tenant's own objects. The
 * steps fragment refreshes itself every {@code fleetkeeper.console.refresh-interval}, so a step done elsewhere
 * (a device registering with {@code curl}, a device connecting) turns green without a reload.
 */
@Controller
class GettingStartedController {

    /** How many devices the last two steps look at: onboarding concerns a tenant's first devices. */
    static final int FIRST_DEVICES = 50;

    /** One step: what to do, where, and whether it is done. */
    record Step(String id, String title, String how, boolean done) {
    }

    private final CaService cas;
    private final ProvisioningKeyService keys;
    private final DeviceService devices;
    private final ShadowService shadows;

    GettingStartedController(CaService cas, ProvisioningKeyService keys, DeviceService devices,
            ShadowService shadows) {
        this.cas = cas;
        this.keys = keys;
        this.devices = devices;
        this.shadows = shadows;
    }

    @GetMapping("/app/fleet/getting-started")
    String page(Caller caller, Model model) {
        model.addAttribute("steps", steps(caller.tenantId()));
        return "console/getting-started";
    }

    @GetMapping("/app/fleet/getting-started/steps")
    String fragment(Caller caller, Model model) {
        model.addAttribute("steps", steps(caller.tenantId()));
        return "console/getting-started :: steps";
    }

    List<Step> steps(UUID tenant) {
        DeviceStats stats = devices.stats(tenant);
        List<Device> first = stats.total() == 0 ? List.of()
                : devices.list(tenant, DeviceFilter.matching(null, null), null, FIRST_DEVICES).items();
        boolean connected = stats.connected() > 0 || first.stream().anyMatch(d -> d.lastSeenAt() != null);
        boolean desired = first.stream().anyMatch(d -> shadows.all(tenant, d.id()).stream()
                .anyMatch(s -> s.state().desired() != null && !s.state().desired().isEmpty()));
        return List.of(
                new Step("ca", "Create a certificate authority",
                        "POST /api/v1/pki/cas: the CA that signs your devices' certificates.",
                        !cas.list(tenant).isEmpty()),
                new Step("provisioning-key", "Create a provisioning key",
                        "POST /api/v1/provisioning-keys: devices register themselves with it.",
                        !keys.list(tenant, null, 1).items().isEmpty()),
                new Step("device", "Register a first device",
                        "A device calls POST /api/v1/devices/register with the key, or an operator calls "
                                + "POST /api/v1/devices.",
                        stats.total() > 0),
                new Step("connect", "See it connect",
                        "The device connects over MQTT or calls the device API; its connection shows here.",
                        connected),
                new Step("desired", "Change its desired state",
                        "Open the device and edit its desired state; the device receives the delta.", desired));
    }
}
