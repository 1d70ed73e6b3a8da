package io.fleetkeeper.console.web;

import io.fleetkeeper.provisioning.ClaimService;
import io.fleetkeeper.provisioning.ClaimToken;
import io.fleetkeeper.provisioning.Manifest;
import io.fleetkeeper.provisioning.ManifestService;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.io.StringReader;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /app/provisioning}: claim tokens (an admin creates one, its secret shown on the answer page only, and
 * revokes one) and batch manifests (an admin uploads one as CSV and sees every rejected line).
 */
@Controller
class ProvisioningPageController {

    private static final String PAGE = "/app/provisioning";

    private final ClaimService claims;
    private final ManifestService manifests;
    private final Clock clock;

    ProvisioningPageController(ClaimService claims, ManifestService manifests, Clock clock) {
        this.claims = claims;
        this.manifests = manifests;
        this.clock = clock;
    }

    @GetMapping(PAGE)
    String page(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("cursor", cursor);
        model.addAttribute("tokens", claims.list(caller.tenantId(), cursor, DeviceListController.PAGE));
        model.addAttribute("manifests", manifests.list(caller.tenantId(), null, DeviceListController.PAGE));
        return "console/provisioning";
    }

    @PostMapping(PAGE + "/claim-tokens")
    String createToken(Caller caller, @RequestParam String label, @RequestParam String deviceType,
            @RequestParam(defaultValue = "1") int maxUses, @RequestParam(defaultValue = "30") int validDays,
            Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        ClaimToken.Issued[] issued = new ClaimToken.Issued[1];
        String refused = Forms.apply(model, response, () -> issued[0] = claims.create(caller, label.strip(),
                deviceType.strip(), maxUses, clock.instant().plus(Duration.ofDays(Math.clamp(validDays, 1, 3650))),
                Map.of()),
                null, () -> page(caller, null, model));
        if (issued[0] == null) {
            return refused;
        }
        model.addAttribute("issued", issued[0]);
        response.setStatus(201);
        return page(caller, null, model);
    }

    @PostMapping(PAGE + "/claim-tokens/{id}/revoke")
    String revokeToken(Caller caller, @PathVariable UUID id, Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        return Forms.apply(model, response, () -> claims.revoke(caller, id), "redirect:" + PAGE,
                () -> page(caller, null, model));
    }

    @PostMapping(PAGE + "/manifests")
    String upload(Caller caller, @RequestParam String name, @RequestParam String csv, Model model,
            HttpServletResponse response) {
        Forms.requireAdmin(caller);
        Manifest.Upload[] upload = new Manifest.Upload[1];
        String refused = Forms.apply(model, response,
                () -> upload[0] = manifests.upload(caller, name.strip(), new StringReader(csv)), null,
                () -> page(caller, null, model));
        if (upload[0] == null) {
            return refused;
        }
        model.addAttribute("upload", upload[0]);
        response.setStatus(201);
        return page(caller, null, model);
    }
}
