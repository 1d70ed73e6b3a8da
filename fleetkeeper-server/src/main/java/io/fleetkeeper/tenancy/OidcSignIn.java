package io.fleetkeeper.tenancy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.tenancy.internal.JwtAuthenticator;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Interactive sign-in with the configured OpenID Connect provider (authorization code flow with PKCE, RFC 7636):
 * where to send a browser, and the code it comes back with exchanged for an ID token, checked against the sign-in's
 * nonce, and an access token, which is then verified exactly as a bearer JWT on the API is (signature, issuer,
 * audience, tenant and role claims). The provider's
 * endpoints come from its discovery document; the issuer is operator configuration, not tenant input.
 */
@Service
public class OidcSignIn {

    /** Who signed in, and when the access token the provider issued expires. */
    public record SignedIn(Caller caller, Instant expiresAt) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private final TenancyProperties.Oidc props;
    private final JwtAuthenticator jwt;
    private final JsonMapper json;

    OidcSignIn(TenancyProperties properties, JwtAuthenticator jwt, JsonMapper json) {
        this.props = properties.oidc();
        this.jwt = jwt;
        this.json = json;
    }

    /** Whether an issuer and a client id are configured. */
    public boolean available() {
        return props.interactive();
    }

    /**
     * The provider's authorization endpoint with this sign-in's parameters (S256 code challenge, and the nonce the
     * ID token must carry back).
     */
    public URI authorizationUri(String redirectUri, String state, String codeChallenge, String nonce) {
        requireAvailable();
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", props.clientId());
        q.put("redirect_uri", redirectUri);
        q.put("scope", props.scopes());
        q.put("state", state);
        q.put("code_challenge", codeChallenge);
        q.put("code_challenge_method", "S256");
        q.put("nonce", nonce);
        String endpoint = endpoint("authorization_endpoint");
        return URI.create(endpoint + (endpoint.contains("?") ? "&" : "?") + form(q));
    }

    /**
     * Exchanges an authorization code at the provider's token endpoint, verifies the ID token it answers with
     * (signature, issuer, this client as audience, expiry and the sign-in's {@code nonce}), then the access token.
     * Fails with {@code UNAUTHENTICATED} when the provider refuses the code, the ID token is missing or not valid,
     * or the access token names no Fleetkeeper role or no known tenant, {@code TENANT_SUSPENDED} when the tenant is
     * suspended.
     */
    public SignedIn exchange(String code, String codeVerifier, String redirectUri, String nonce) {
        requireAvailable();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("grant_type", "authorization_code");
        body.put("code", code);
        body.put("redirect_uri", redirectUri);
        body.put("client_id", props.clientId());
        body.put("code_verifier", codeVerifier);
        if (!props.clientSecret().isEmpty()) {
            body.put("client_secret", props.clientSecret());
        }
        String accessToken;
        String idToken;
        try {
            HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint("token_endpoint")))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(form(body)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = resp.statusCode() == 200 ? json.readTree(resp.body()) : null;
            accessToken = answer == null ? "" : answer.path("access_token").asString("");
            idToken = answer == null ? "" : answer.path("id_token").asString("");
        } catch (IOException e) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "the identity provider did not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "the identity provider did not answer");
        } catch (RuntimeException e) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "the identity provider's answer is not valid");
        }
        if (accessToken.isEmpty()) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "the identity provider refused the sign-in");
        }
        if (idToken.isEmpty()) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "the identity provider sent no ID token");
        }
        jwt.verifyIdToken(idToken, props.clientId(), nonce);
        JwtAuthenticator.Verified verified = jwt.verify(accessToken);
        return new SignedIn(verified.caller(), verified.expiresAt());
    }

    private String endpoint(String name) {
        String uri = jwt.discovery().path(name).asString("");
        if (!uri.startsWith("https://") && !uri.startsWith("http://")) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "the identity provider publishes no " + name);
        }
        return uri;
    }

    private void requireAvailable() {
        if (!available()) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "OIDC sign-in is not configured");
        }
    }

    private static String form(Map<String, String> values) {
        return values.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }
}
