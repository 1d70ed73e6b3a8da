package io.fleetkeeper.console.web;

import io.fleetkeeper.pki.CaService;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.PkiPolicy;
import io.fleetkeeper.pki.PolicyService;
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
 * {@code /app/pki}: the tenant's certificate authorities (an admin creates a root or an issuing CA, or registers a
 * manufacturer's trust anchor), the renewal windows of its certificate policy, and its certificates, every device,
 * with revoke.
 */
@Controller
class PkiPageController {

    private final CaService cas;
    private final CertificateService certificates;
    private final PolicyService policies;

    PkiPageController(CaService cas, CertificateService certificates, PolicyService policies) {
        this.cas = cas;
        this.certificates = certificates;
        this.policies = policies;
    }

    @GetMapping("/app/pki")
    String page(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("tenantId", caller.tenantId());
        model.addAttribute("cas", cas.list(caller.tenantId()));
        model.addAttribute("policy", policies.get(caller.tenantId()));
        model.addAttribute("cursor", cursor);
        model.addAttribute("page", certificates.list(caller.tenantId(), cursor, DeviceListController.PAGE));
        return "console/pki";
    }

    @PostMapping("/app/pki/cas")
    String createCa(Caller caller, @RequestParam String name, @RequestParam(required = false) String parentId,
            Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        UUID parent = Forms.blankToNull(parentId) == null ? null : UUID.fromString(parentId.strip());
        return Forms.apply(model, response,
                () -> cas.create(caller, new CaService.NewCa(name.strip(), parent, null, null, null)),
                "redirect:/app/pki", () -> page(caller, null, model));
    }

    @PostMapping("/app/pki/trust-anchors")
    String registerTrustAnchor(Caller caller, @RequestParam String name, @RequestParam String certificatePem,
            Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        return Forms.apply(model, response, () -> cas.registerTrustAnchor(caller, name.strip(), certificatePem),
                "redirect:/app/pki", () -> page(caller, null, model));
    }

    /** The renewal windows of the tenant's policy; the rest of the policy stays as it is, at the version shown. */
    @PostMapping("/app/pki/policy")
    String renewalWindows(Caller caller, @RequestParam int renewalWindowDays, @RequestParam int criticalWindowDays,
            @RequestParam int overlapHours, @RequestParam long version, Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        PkiPolicy cur = policies.get(caller.tenantId());
        return Forms.apply(model, response, () -> policies.update(caller, new PkiPolicy(renewalWindowDays,
                criticalWindowDays, overlapHours, cur.deviceValidityDays(), cur.defaultCaId(),
                cur.expiredRenewalGraceDays(), cur.autoRotate(), cur.rotationKey(), 0), version),
                "redirect:/app/pki", () -> page(caller, null, model));
    }

    @PostMapping("/app/pki/certificates/{id}/revoke")
    String revoke(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String reason, Model model,
            HttpServletResponse response) {
        return Forms.apply(model, response, () -> certificates.revoke(caller, id, Forms.blankToNull(reason)),
                "redirect:/app/pki", () -> page(caller, null, model));
    }
}
