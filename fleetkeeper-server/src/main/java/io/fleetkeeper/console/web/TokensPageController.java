package io.fleetkeeper.console.web;

import io.fleetkeeper.tenancy.ApiToken.IssuedToken;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TokenService;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /app/settings/tokens}: the tenant's API tokens for admins; create (secret shown once) and revoke. */
@Controller
class TokensPageController {

    private final TokenService tokens;

    TokensPageController(TokenService tokens) {
        this.tokens = tokens;
    }

    @GetMapping("/app/settings/tokens")
    String list(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        Forms.requireAdmin(caller);
        model.addAttribute("cursor", cursor);
        model.addAttribute("page", tokens.list(caller.tenantId(), cursor, DeviceListController.PAGE));
        return "console/tokens";
    }

    @PostMapping("/app/settings/tokens")
    String create(Caller caller, @RequestParam String name, @RequestParam String tokenRole, Model model,
            HttpServletResponse response) {
        Forms.requireAdmin(caller);
        IssuedToken[] issued = new IssuedToken[1];
        String page = Forms.apply(model, response,
                () -> issued[0] = tokens.create(caller.tenantId(), caller, name.strip(), tokenRole, null), null,
                () -> list(caller, null, model));
        if (issued[0] == null) {
            return page;
        }
        model.addAttribute("issued", issued[0]);
        response.setStatus(201);
        return list(caller, null, model);
    }

    @PostMapping("/app/settings/tokens/{id}/revoke")
    String revoke(Caller caller, @PathVariable UUID id, Model model, HttpServletResponse response) {
        Forms.requireAdmin(caller);
        return Forms.apply(model, response, () -> tokens.revoke(caller.tenantId(), id, caller),
                "redirect:/app/settings/tokens", () -> list(caller, null, model));
    }
}
