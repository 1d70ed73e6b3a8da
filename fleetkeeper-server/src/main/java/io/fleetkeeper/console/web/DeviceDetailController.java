package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.carrier.DeviceSim;
import io.fleetkeeper.carrier.DeviceSimService;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.command.NewCommand;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /app/devices/{id}}: the device page and its forms. Every change goes through the feature's service with
 * the signed-in caller and the version the form was rendered from (If-Match semantics): a lost race re-renders
 * the page with the current values and says what happened.
 */
@Controller
class DeviceDetailController {

    private final DeviceView view;
    private final DeviceService devices;
    private final ShadowService shadows;
    private final CertificateService certificates;
    private final CommandService commands;
    private final DeviceSimService sims;
    private final JsonMapper json;

    DeviceDetailController(DeviceView view, DeviceService devices, ShadowService shadows,
            CertificateService certificates, CommandService commands, DeviceSimService sims, JsonMapper json) {
        this.sims = sims;
        this.view = view;
        this.devices = devices;
        this.shadows = shadows;
        this.certificates = certificates;
        this.commands = commands;
        this.json = json;
    }

    @GetMapping("/app/devices/{id}")
    String show(Caller caller, @PathVariable UUID id, Model model) {
        return view.page(caller, id, model);
    }

    @GetMapping("/app/devices/{id}/commands")
    String commandTable(Caller caller, @PathVariable UUID id, Model model) {
        devices.get(caller.tenantId(), id);
        view.commands(caller, id, model);
        return "console/device :: commands";
    }

    /** A live part of the device page, fetched when the event stream reports a change of the device. */
    @GetMapping("/app/devices/{id}/live/{part:state|shadow|events}")
    String livePart(Caller caller, @PathVariable UUID id, @PathVariable String part, Model model) {
        return view.part(caller, id, part, model);
    }

    @PostMapping("/app/devices/{id}/metadata")
    String metadata(Caller caller, @PathVariable UUID id, @RequestParam String key,
            @RequestParam(required = false) String value, @RequestParam long version, Model model,
            HttpServletResponse response) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put(key.strip(), value == null || value.isEmpty() ? null : value);
        return apply(caller, id, model, response, "the metadata " + key.strip(),
                () -> devices.patch(caller, id, json.valueToTree(Map.of("metadata", metadata)), version));
    }

    /** Pauses the device's SIM at its carrier, or makes it live again. */
    @PostMapping("/app/devices/{id}/sim/{state:live|pause}")
    String simState(Caller caller, @PathVariable UUID id, @PathVariable String state, Model model,
            HttpServletResponse response) {
        return apply(caller, id, model, response, "the SIM",
                () -> sims.changeState(caller, id, new DeviceSim.StateChange(state)));
    }

    @PostMapping("/app/devices/{id}/tags")
    String tags(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String tags,
            @RequestParam long version, Model model, HttpServletResponse response) {
        List<String> list = tags == null ? List.of()
                : Arrays.stream(tags.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
        return apply(caller, id, model, response, "the tags",
                () -> devices.patch(caller, id, json.valueToTree(Map.of("tags", list)), version));
    }

    @PostMapping("/app/devices/{id}/shadow/desired")
    String desired(Caller caller, @PathVariable UUID id, @RequestParam String desired,
            @RequestParam(required = false) Long version, Model model, HttpServletResponse response) {
        model.addAttribute("desiredText", desired);
        JsonNode body;
        try {
            body = json.readTree(desired);
        } catch (JacksonException e) {
            return rejected(caller, id, model, response, 400, "The desired state is not valid JSON: "
                    + e.getOriginalMessage());
        }
        return apply(caller, id, model, response, "the desired state",
                () -> shadows.update(caller, id, null, ShadowUpdate.replaceDesired(body, version)));
    }

    @PostMapping("/app/devices/{id}/certificates/{certificateId}/revoke")
    String revoke(Caller caller, @PathVariable UUID id, @PathVariable UUID certificateId,
            @RequestParam(required = false) String reason, Model model, HttpServletResponse response) {
        if (!certificates.get(caller.tenantId(), certificateId).deviceId().equals(id)) {
            throw ApiException.notFound("certificate");
        }
        return apply(caller, id, model, response, "the certificate",
                () -> certificates.revoke(caller, certificateId, reason == null || reason.isBlank() ? null : reason));
    }

    @PostMapping("/app/devices/{id}/commands")
    String command(Caller caller, @PathVariable UUID id, @RequestParam String name,
            @RequestParam(required = false) String payload, Model model, HttpServletResponse response) {
        JsonNode body = null;
        if (payload != null && !payload.isBlank()) {
            try {
                body = json.readTree(payload);
            } catch (JacksonException e) {
                return rejected(caller, id, model, response, 400, "The payload is not valid JSON: "
                        + e.getOriginalMessage());
            }
        }
        NewCommand in = new NewCommand(name.strip(), body, null, null);
        return apply(caller, id, model, response, "the command", () -> commands.create(caller, id, in));
    }

    private String apply(Caller caller, UUID id, Model model, HttpServletResponse response, String what,
            Runnable change) {
        try {
            change.run();
        } catch (ApiException e) {
            if (e.code() == ErrorCode.PRECONDITION_FAILED || e.code() == ErrorCode.VERSION_CONFLICT) {
                model.addAttribute("conflict", "Someone else changed this device while you were editing "
                        + what + ". Your change was not saved. The page now shows the current values: "
                        + "check them and apply your change again if it still holds.");
                response.setStatus(409);
                return view.page(caller, id, model);
            }
            if (e.code() == ErrorCode.NOT_FOUND) {
                throw e;
            }
            return rejected(caller, id, model, response, e.code().status().value(), e.getMessage());
        }
        return "redirect:/app/devices/" + id;
    }

    private String rejected(Caller caller, UUID id, Model model, HttpServletResponse response, int status,
            String message) {
        model.addAttribute("formError", message);
        response.setStatus(status);
        return view.page(caller, id, model);
    }
}
