package io.fleetkeeper.tenancy.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TokenService;
import io.fleetkeeper.tenancy.internal.JwtAuthenticator;
import io.fleetkeeper.web.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Binds every {@code /api/} request to one caller from its {@code Authorization: Bearer} credential:
 * an {@code fk_} API token, or a JWT when OIDC is configured. Anything else answers 401.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class AuthenticationFilter extends OncePerRequestFilter {

    static final String CALLER = Caller.class.getName();

    private final TokenService tokens;
    private final JwtAuthenticator jwt;
    private final ProblemWriter problems;

    AuthenticationFilter(TokenService tokens, JwtAuthenticator jwt, ProblemWriter problems) {
        this.tokens = tokens;
        this.jwt = jwt;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String uri = request.getRequestURI();
        // Device self-registration (seed 001's path) authenticates with X-Provisioning-Key instead, the
        // external broker's hooks (seed 003's paths) with X-Internal-Auth.
        return !uri.startsWith("/api/") || uri.equals("/api/v1/devices/register")
                || uri.startsWith("/api/v1/internal/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        Caller caller;
        try {
            caller = resolve(header);
        } catch (ApiException e) {
            problems.write(request, response, e.code(), e.getMessage());
            return;
        }
        request.setAttribute(CALLER, caller);
        chain.doFilter(request, response);
    }

    private Caller resolve(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "send 'Authorization: Bearer <token>'");
        }
        String credential = header.substring(7).trim();
        if (credential.startsWith(TokenService.TOKEN_PREFIX) && credential.length() < 200) {
            return tokens.authenticate(credential);
        }
        if (jwt.enabled() && credential.chars().filter(c -> c == '.').count() == 2) {
            return jwt.authenticate(credential);
        }
        throw new ApiException(ErrorCode.UNAUTHENTICATED, "token is not valid");
    }
}
