package io.fleetkeeper.console.web;

import io.fleetkeeper.console.internal.ConsoleSessions;
import io.fleetkeeper.console.internal.ConsoleSessions.Session;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards every {@code /app} request: security headers (CSP without inline script, no framing), the session
 * cookie resolved to its caller through {@link SessionCallers} on every request (a revoked token or a suspended
 * tenant ends the session), the session's CSRF token on every state change, and the operator role for it. A
 * platform operator reaches only the operator pages ({@code /app/operator/...}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 27)
class ConsoleFilter extends OncePerRequestFilter {

    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
    static final String SESSION = ConsoleFilter.class.getName() + ".session";

    private final ConsoleSessions sessions;
    private final SessionCallers callers;
    private final ConsoleCookies cookies;

    ConsoleFilter(ConsoleSessions sessions, SessionCallers callers, ConsoleCookies cookies) {
        this.sessions = sessions;
        this.callers = callers;
        this.cookies = cookies;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return !(uri.equals("/app") || uri.startsWith("/app/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-store");
        String uri = request.getRequestURI();
        if (uri.startsWith("/app/static/") || uri.equals("/app/sign-in") || uri.startsWith("/app/sign-in/")) {
            chain.doFilter(request, response);
            return;
        }
        String id = cookies.sessionId(request);
        Optional<Session> session = sessions.find(id);
        Caller caller = session.map(callers::caller).orElse(null);
        if (caller == null) {
            sessions.close(id);
            signIn(request, response);
            return;
        }
        boolean read = request.getMethod().equals("GET") || request.getMethod().equals("HEAD");
        boolean operatorPage = uri.startsWith("/app/operator/") || uri.equals("/app/operator");
        if (caller.isPlatform() && !operatorPage && !uri.equals("/app/sign-out")) {
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", "/app/operator/tenants");
            return;
        }
        if (!read) {
            String given = request.getHeader("X-CSRF-Token");
            if (given == null) {
                given = request.getParameter("_csrf");
            }
            if (!ConsoleSessions.same(session.get().csrf(), given)) {
                refuse(response, "This form has expired or did not come from the console. "
                        + "Reload the page and try again.");
                return;
            }
            if (!uri.equals("/app/sign-out") && !caller.isPlatform() && !caller.role().covers(Role.OPERATOR)) {
                refuse(response, "Your role (" + caller.role().wire() + ") cannot change anything.");
                return;
            }
        }
        request.setAttribute(Caller.class.getName(), caller);
        request.setAttribute(SESSION, session.get());
        chain.doFilter(request, response);
    }

    private static void signIn(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getHeader("HX-Request") != null) {
            response.setHeader("HX-Redirect", "/app/sign-in");
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        response.setStatus(HttpServletResponse.SC_SEE_OTHER);
        response.setHeader("Location", "/app/sign-in");
    }

    /** A fixed 403 page; {@code message} is one of this class's constants plus a role name, nothing user-typed. */
    private static void refuse(HttpServletResponse response, String message) throws IOException {
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("text/html;charset=UTF-8");
        response.getWriter().write("<!doctype html><html lang=\"en\"><head><title>Not allowed · Fleetkeeper</title>"
                + "<link rel=\"stylesheet\" href=\"/app/static/console.css\"></head><body><main><h1>Not allowed</h1><p>"
                + message + "</p><p><a href=\"/app\">Back to the console</a></p></main></body></html>");
    }
}
