package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.carrier.DeviceSim;
import io.fleetkeeper.carrier.DeviceSimService;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.connectivity.ConnectionStates;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.shadow.Shadow;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.tenancy.Caller;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.ui.Model;
import tools.jackson.databind.json.JsonMapper;

/** Fills the device page's model from the feature services, as the caller may see it. */
@Component
class DeviceView {

    private final DeviceService devices;
    private final ConnectionStates connections;
    private final ShadowService shadows;
    private final CertificateService certificates;
    private final CommandService commands;
    private final DeviceSimService sims;
    private final JsonMapper json;

    DeviceView(DeviceService devices, ConnectionStates connections, ShadowService shadows,
            CertificateService certificates, CommandService commands, DeviceSimService sims, JsonMapper json) {
        this.sims = sims;
        this.devices = devices;
        this.connections = connections;
        this.shadows = shadows;
        this.certificates = certificates;
        this.commands = commands;
        this.json = json;
    }

    /** The whole page; 404 (a not-found page) when the device is not the caller's tenant's. */
    String page(Caller caller, UUID id, Model model) {
        UUID tenant = caller.tenantId();
        Device device = devices.get(tenant, id);
        model.addAttribute("device", device);
        model.addAttribute("metadataText", json.writeValueAsString(device.metadata()));
        model.addAttribute("tagsText", String.join(", ", device.tags()));
        model.addAttribute("connection", connections.get(tenant, id));
        String desired = shadow(tenant, id, model);
        if (!model.containsAttribute("desiredText")) {
            model.addAttribute("desiredText", desired);
        }
        model.addAttribute("certificates", certificates.forDevice(tenant, id));
        model.addAttribute("events", devices.events(tenant, id, null, 20).items());
        model.addAttribute("sim", sim(tenant, id));
        commands(caller, id, model);
        return "console/device";
    }

    /** One live part of the page ({@code state}, {@code shadow} or {@code events}), as the page shows it. */
    String part(Caller caller, UUID id, String part, Model model) {
        UUID tenant = caller.tenantId();
        model.addAttribute("device", devices.get(tenant, id));
        switch (part) {
            case "state" -> model.addAttribute("connection", connections.get(tenant, id));
            case "shadow" -> shadow(tenant, id, model);
            case "events" -> model.addAttribute("events", devices.events(tenant, id, null, 20).items());
            default -> throw ApiException.notFound("page");
        }
        return "console/device :: " + part;
    }

    /** The classic shadow's sections as shown; returns the desired section's text. */
    private String shadow(UUID tenant, UUID id, Model model) {
        Shadow shadow = classicShadow(tenant, id);
        model.addAttribute("shadow", shadow);
        String desired = shadow == null ? "{}" : pretty(shadow.state().desired());
        model.addAttribute("currentDesiredText", desired);
        model.addAttribute("reportedText", shadow == null ? "{}" : pretty(shadow.state().reported()));
        model.addAttribute("deltaText", shadow == null ? "{}" : pretty(shadow.state().delta()));
        return desired;
    }

    /** The commands table alone (refreshed live). */
    void commands(Caller caller, UUID id, Model model) {
        model.addAttribute("deviceId", id);
        model.addAttribute("commands", commands.list(caller.tenantId(), id, null, null, 20).items());
    }

    String pretty(Object node) {
        if (node == null) {
            return "{}";
        }
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }

    /** The device's carrier SIM as the last sync saw it; null when none is linked. */
    private DeviceSim sim(UUID tenant, UUID id) {
        try {
            return sims.get(tenant, id);
        } catch (ApiException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private Shadow classicShadow(UUID tenant, UUID id) {
        try {
            return shadows.get(tenant, id, null);
        } catch (ApiException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }
}
