package io.fleetkeeper.tenancy.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.tenancy.ApiToken;
import io.fleetkeeper.tenancy.ApiToken.IssuedToken;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Tenant;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.tenancy.TenantService.CreatedTenant;
import io.fleetkeeper.tenancy.TokenService;
import io.fleetkeeper.web.Limits;
import java.time.Instant;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Platform operator API: tenants and platform tokens under {@code /api/v1/operator/}. */
@RestController
@RequestMapping("/api/v1/operator")
class TenantController {

    record CreateTenant(String name) {
    }

    record CreatedTenantView(Tenant tenant, TokenController.IssuedTokenView adminToken) {
    }

    record CreateToken(String name, String role, Instant expiresAt) {
    }

    private final TenantService tenants;
    private final TokenService tokens;
    private final Limits limits;

    TenantController(TenantService tenants, TokenService tokens, Limits limits) {
        this.tenants = tenants;
        this.tokens = tokens;
        this.limits = limits;
    }

    @PostMapping("/tenants")
    @ResponseStatus(HttpStatus.CREATED)
    CreatedTenantView create(Caller caller, @RequestBody CreateTenant body) {
        CreatedTenant created = tenants.create(caller, body.name());
        return new CreatedTenantView(created.tenant(), TokenController.IssuedTokenView.of(created.adminToken()));
    }

    @GetMapping("/tenants")
    Page<Tenant> list(@RequestParam(required = false) String cursor, @RequestParam(required = false) Integer limit) {
        return tenants.list(cursor, limits.pageSize(limit));
    }

    @GetMapping("/tenants/{id}")
    Tenant get(@PathVariable UUID id) {
        return tenants.get(id);
    }

    @PostMapping("/tenants/{id}/suspend")
    Tenant suspend(Caller caller, @PathVariable UUID id) {
        return tenants.suspend(caller, id);
    }

    @PostMapping("/tenants/{id}/resume")
    Tenant resume(Caller caller, @PathVariable UUID id) {
        return tenants.resume(caller, id);
    }

    @PostMapping("/tenants/{id}/tokens")
    @ResponseStatus(HttpStatus.CREATED)
    TokenController.IssuedTokenView createTenantToken(Caller caller, @PathVariable UUID id,
            @RequestBody CreateToken body) {
        tenants.get(id);
        return TokenController.IssuedTokenView.of(tokens.create(id, caller, body.name(), body.role(),
                body.expiresAt()));
    }

    @GetMapping("/tokens")
    Page<ApiToken> platformTokens(@RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return tokens.list(null, cursor, limits.pageSize(limit));
    }

    @PostMapping("/tokens")
    @ResponseStatus(HttpStatus.CREATED)
    TokenController.IssuedTokenView createPlatformToken(Caller caller, @RequestBody CreateToken body) {
        IssuedToken issued = tokens.create(null, caller, body.name(), "platform", body.expiresAt());
        return TokenController.IssuedTokenView.of(issued);
    }

    @PostMapping("/tokens/{id}/revoke")
    ApiToken revokePlatformToken(Caller caller, @PathVariable UUID id) {
        return tokens.revoke(null, id, caller);
    }
}
