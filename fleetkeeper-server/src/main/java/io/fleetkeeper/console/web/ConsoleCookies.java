package io.fleetkeeper.console.web;

import io.fleetkeeper.console.ConsoleProperties;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Component;

/**
 * The console's cookies, all HttpOnly, SameSite=Strict, path {@code /app}, {@code Secure} when configured: the
 * session id, and before sign-in a one-time value the sign-in form must echo (so no other site can sign a
 * browser in).
 */
@Component
class ConsoleCookies {

    static final String SESSION = "fk_console";
    static final String SIGN_IN = "fk_console_signin";
    /**
     * An OIDC sign-in under way: its state and PKCE verifier. SameSite=Lax and scoped to the sign-in path, because
     * the browser comes back to the callback from the identity provider's site, where a Strict cookie is withheld.
     */
    static final String OIDC = "fk_console_oidc";
    static final String OIDC_PATH = "/app/sign-in/oidc";

    private final ConsoleProperties properties;

    ConsoleCookies(ConsoleProperties properties) {
        this.properties = properties;
    }

    String sessionId(HttpServletRequest request) {
        return value(request, SESSION);
    }

    String signInNonce(HttpServletRequest request) {
        return value(request, SIGN_IN);
    }

    void set(HttpServletResponse response, String name, String value) {
        response.addHeader(HttpHeaders.SET_COOKIE, cookie(name, value, null).toString());
    }

    void clear(HttpServletResponse response, String name) {
        response.addHeader(HttpHeaders.SET_COOKIE, cookie(name, "", Duration.ZERO).toString());
    }

    String oidc(HttpServletRequest request) {
        return value(request, OIDC);
    }

    void setOidc(HttpServletResponse response, String value, Duration maxAge) {
        response.addHeader(HttpHeaders.SET_COOKIE, ResponseCookie.from(OIDC, value).httpOnly(true).sameSite("Lax")
                .path(OIDC_PATH).secure(properties.secureCookie()).maxAge(maxAge).build().toString());
    }

    private ResponseCookie cookie(String name, String value, Duration maxAge) {
        var b = ResponseCookie.from(name, value).httpOnly(true).sameSite("Strict").path("/app")
                .secure(properties.secureCookie());
        if (maxAge != null) {
            b.maxAge(maxAge);
        }
        return b.build();
    }

    private static String value(HttpServletRequest request, String name) {
        Cookie[] all = request.getCookies();
        if (all == null) {
            return null;
        }
        for (Cookie c : all) {
            if (c.getName().equals(name)) {
                return c.getValue();
            }
        }
        return null;
    }
}
