package io.fleetkeeper.tenancy.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.tenancy.ApiToken;
import io.fleetkeeper.tenancy.ApiToken.IssuedToken;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
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

/** Tenant admins manage their tenant's API tokens at {@code /api/v1/tokens}. */
@RestController
@RequestMapping("/api/v1/tokens")
class TokenController {

    record CreateToken(String name, String role, Instant expiresAt) {
    }

    /** The token's view plus its secret, present only in the creation response. */
    record IssuedTokenView(UUID id, String name, String role, String prefix, Instant createdAt, Instant expiresAt,
            String token) {
        static IssuedTokenView of(IssuedToken issued) {
            ApiToken t = issued.token();
            return new IssuedTokenView(t.id(), t.name(), t.role().wire(), t.prefix(), t.createdAt(), t.expiresAt(),
                    issued.secret());
        }
    }

    private final TokenService tokens;
    private final Limits limits;

    TokenController(TokenService tokens, Limits limits) {
        this.tokens = tokens;
        this.limits = limits;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @RequiresRole(Role.ADMIN)
    IssuedTokenView create(Caller caller, @RequestBody CreateToken body) {
        return IssuedTokenView.of(tokens.create(caller.tenantId(), caller, body.name(), body.role(), body.expiresAt()));
    }

    @GetMapping
    @RequiresRole(Role.ADMIN)
    Page<ApiToken> list(Caller caller, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return tokens.list(caller.tenantId(), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    @RequiresRole(Role.ADMIN)
    ApiToken get(Caller caller, @PathVariable UUID id) {
        return tokens.get(caller.tenantId(), id);
    }

    @PostMapping("/{id}/revoke")
    @RequiresRole(Role.ADMIN)
    ApiToken revoke(Caller caller, @PathVariable UUID id) {
        return tokens.revoke(caller.tenantId(), id, caller);
    }
}
