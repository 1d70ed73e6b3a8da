package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.console.internal.ConsoleSessions;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.OidcSignIn;
import io.fleetkeeper.tenancy.TokenService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** Sign-in with an API token (verified by the tenancy feature) and sign-out. */
@Controller
class SignInController {

    private final ConsoleSessions sessions;
    private final TokenService tokens;
    private final ConsoleCookies cookies;
    private final OidcSignIn oidc;

    SignInController(ConsoleSessions sessions, TokenService tokens, ConsoleCookies cookies, OidcSignIn oidc) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.cookies = cookies;
        this.oidc = oidc;
    }

    @GetMapping("/app/sign-in")
    String form(Model model, HttpServletResponse response) {
        return render(model, response, null);
    }

    @PostMapping("/app/sign-in")
    String signIn(@RequestParam(required = false) String token, @RequestParam(name = "_nonce", required = false)
            String nonce, HttpServletRequest request, HttpServletResponse response, Model model) {
        if (!ConsoleSessions.same(cookies.signInNonce(request), nonce)) {
            response.setStatus(403);
            return render(model, response, "The sign-in form expired. Please try again.");
        }
        String secret = token == null ? "" : token.strip();
        Caller caller;
        try {
            caller = secret.startsWith(TokenService.TOKEN_PREFIX) && secret.length() < 200
                    ? tokens.authenticate(secret) : null;
        } catch (ApiException e) {
            caller = null;
        }
        if (caller == null) {
            response.setStatus(401);
            return render(model, response, "This token is not valid, revoked or expired.");
        }
        sessions.close(cookies.sessionId(request));
        cookies.clear(response, ConsoleCookies.SIGN_IN);
        cookies.set(response, ConsoleCookies.SESSION, sessions.open(secret).id());
        return caller.isPlatform() ? "redirect:/app/operator/tenants" : "redirect:/app";
    }

    @PostMapping("/app/sign-out")
    String signOut(HttpServletRequest request, HttpServletResponse response) {
        sessions.close(cookies.sessionId(request));
        cookies.clear(response, ConsoleCookies.SESSION);
        return "redirect:/app/sign-in";
    }

    String render(Model model, HttpServletResponse response, String error) {
        String nonce = ConsoleSessions.randomToken();
        cookies.set(response, ConsoleCookies.SIGN_IN, nonce);
        model.addAttribute("nonce", nonce);
        model.addAttribute("error", error);
        model.addAttribute("oidc", oidc.available());
        return "console/sign-in";
    }
}
