package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.console.internal.ConsoleSessions;
import io.fleetkeeper.tenancy.OidcSignIn;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Sign-in with the configured OpenID Connect provider: authorization code with PKCE (S256). The state and the code
 * verifier wait in a short-lived cookie; the callback checks the state, has the tenancy feature exchange the code
 * and verify the access token, and opens a console session acting as the caller that token names, until the token
 * expires at the latest.
 */
@Controller
class OidcSignInController {

    private static final Duration PENDING = Duration.ofMinutes(10);

    private final OidcSignIn oidc;
    private final ConsoleSessions sessions;
    private final ConsoleCookies cookies;
    private final SignInController signIn;

    OidcSignInController(OidcSignIn oidc, ConsoleSessions sessions, ConsoleCookies cookies, SignInController signIn) {
        this.oidc = oidc;
        this.sessions = sessions;
        this.cookies = cookies;
        this.signIn = signIn;
    }

    @GetMapping(ConsoleCookies.OIDC_PATH)
    String start(HttpServletResponse response, Model model) {
        if (!oidc.available()) {
            response.setStatus(404);
            return signIn.render(model, response, "Signing in with an identity provider is not configured.");
        }
        String state = ConsoleSessions.randomToken();
        String verifier = ConsoleSessions.randomToken();
        String nonce = ConsoleSessions.randomToken();
        String target;
        try {
            target = oidc.authorizationUri(callback(), state, ConsoleSessions.sha256(verifier), nonce).toString();
        } catch (ApiException e) {
            response.setStatus(502);
            return signIn.render(model, response, "The identity provider cannot be reached. Please try again later.");
        }
        cookies.setOidc(response, state + "." + verifier + "." + nonce, PENDING);
        return "redirect:" + target;
    }

    @GetMapping(ConsoleCookies.OIDC_PATH + "/callback")
    String callback(@RequestParam(required = false) String code, @RequestParam(required = false) String state,
            @RequestParam(required = false) String error, HttpServletRequest request, HttpServletResponse response,
            Model model) {
        String pending = cookies.oidc(request);
        cookies.setOidc(response, "", Duration.ZERO);
        String[] parts = pending == null ? new String[0] : pending.split("\\.");
        if (parts.length != 3 || !ConsoleSessions.same(parts[0], state)) {
            response.setStatus(403);
            return signIn.render(model, response, "The sign-in expired or did not start here. Please try again.");
        }
        if (error != null || code == null || code.isBlank()) {
            response.setStatus(401);
            return signIn.render(model, response, "The identity provider did not sign you in.");
        }
        OidcSignIn.SignedIn signedIn;
        try {
            signedIn = oidc.exchange(code, parts[1], callback(), parts[2]);
        } catch (ApiException e) {
            response.setStatus(401);
            return signIn.render(model, response, e.code() == ErrorCode.TENANT_SUSPENDED
                    ? "Your tenant is suspended." : "Your account has no access to Fleetkeeper, or the sign-in failed.");
        }
        sessions.close(cookies.sessionId(request));
        cookies.set(response, ConsoleCookies.SESSION, sessions.open(signedIn.caller(), signedIn.expiresAt()).id());
        // A page, not a redirect: the browser arrived from the provider's site, and a redirect chain that started
        // there would withhold the new SameSite=Strict session cookie from the next request.
        model.addAttribute("target", signedIn.caller().isPlatform() ? "/app/operator/tenants" : "/app");
        return "console/signed-in";
    }

    private static String callback() {
        return ServletUriComponentsBuilder.fromCurrentContextPath().path(ConsoleCookies.OIDC_PATH + "/callback")
                .build().toUriString();
    }
}
