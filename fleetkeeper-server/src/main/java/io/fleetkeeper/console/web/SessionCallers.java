package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.console.internal.ConsoleSessions;
import io.fleetkeeper.console.internal.ConsoleSessions.Session;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Tenant;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.tenancy.TokenService;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Who a console session acts as, checked afresh each time: its API token resolved through {@link TokenService}
 * (revoked, expired or suspended: nobody), or its OIDC caller while the tenant is active.
 */
@Component
class SessionCallers {

    private final ConsoleSessions sessions;
    private final TokenService tokens;
    private final TenantService tenants;

    SessionCallers(ConsoleSessions sessions, TokenService tokens, TenantService tenants) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.tenants = tenants;
    }

    /**
     * The caller of the session with cookie value {@code id}; empty when the session or its caller ended. Not a use
     * of the session: its idle time runs on.
     */
    Optional<Caller> of(String id) {
        return sessions.peek(id).map(this::caller);
    }

    /** The session's caller, or null when it may no longer act. */
    Caller caller(Session session) {
        if (session.token() == null) {
            Caller caller = session.caller();
            try {
                return caller.isPlatform() || tenants.get(caller.tenantId()).status() == Tenant.TenantStatus.ACTIVE
                        ? caller : null;
            } catch (ApiException e) {
                return null;
            }
        }
        try {
            return tokens.authenticate(session.token());
        } catch (ApiException e) {
            return null;
        }
    }
}
