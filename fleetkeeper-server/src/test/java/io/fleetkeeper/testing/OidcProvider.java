package io.fleetkeeper.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small OpenID Connect provider for tests, on the JDK's HTTP server: discovery, a JWKS, an authorization endpoint
 * that signs in whichever user the test named (no login form) and a token endpoint that checks the code, the
 * redirect URI, the client id and the PKCE verifier (S256) before answering with an RS256 access token shaped like
 * Keycloak's (realm roles, a tenant claim) and an ID token carrying the authorization request's nonce (which a test
 * can spoil: a wrong nonce, a signature by a key the provider does not publish, none at all). One provider serves the whole test run.
 */
public final class OidcProvider {

    public static final String CLIENT_ID = "fleetkeeper-console";

    /** Whom the authorization endpoint signs in next. */
    public record User(String subject, String tenant, List<String> roles) {
    }

    /** What is wrong with the next ID token the token endpoint sends, to test that the client refuses it. */
    public enum IdTokenFault { NONE, WRONG_NONCE, FOREIGN_SIGNATURE, MISSING }

    private record Grant(User user, String challenge, String redirectUri, String nonce) {
    }

    private static OidcProvider shared;

    private final HttpServer server;
    private final RSAKey key;
    private final RSAKey foreignKey;
    private volatile IdTokenFault fault = IdTokenFault.NONE;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private volatile User user;

    private OidcProvider() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("test-key").generate();
        foreignKey = new RSAKeyGenerator(2048).keyID("test-key").generate();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/jwks", ex -> send(ex, 200, "application/json",
                new JWKSet(key.toPublicJWK()).toString()));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
    }

    /** The provider of this test run, started on first use. */
    public static synchronized OidcProvider shared() {
        if (shared == null) {
            try {
                shared = new OidcProvider();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return shared;
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Signs {@code user} in at the next authorization request. */
    public void signInNext(User next) {
        user = next;
    }

    /** Spoils the next ID token the token endpoint sends (once). */
    public void spoilNextIdToken(IdTokenFault next) {
        fault = next;
    }

    /** Why the token endpoint refused requests so far (a wrong verifier, a reused code...). */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    private void discovery(HttpExchange ex) throws IOException {
        String iss = issuer();
        send(ex, 200, "application/json", "{\"issuer\":\"" + iss + "\",\"authorization_endpoint\":\"" + iss
                + "/authorize\",\"token_endpoint\":\"" + iss + "/token\",\"jwks_uri\":\"" + iss + "/jwks\","
                + "\"code_challenge_methods_supported\":[\"S256\"]}");
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = parse(ex.getRequestURI().getRawQuery());
        User who = user;
        if (who == null || !CLIENT_ID.equals(q.get("client_id")) || !"code".equals(q.get("response_type"))
                || !"S256".equals(q.get("code_challenge_method")) || q.get("code_challenge") == null
                || q.get("redirect_uri") == null || q.get("state") == null) {
            send(ex, 400, "text/plain", "bad authorization request: " + q);
            return;
        }
        byte[] random = new byte[24];
        new java.security.SecureRandom().nextBytes(random);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        codes.put(code, new Grant(who, q.get("code_challenge"), q.get("redirect_uri"), q.get("nonce")));
        String back = q.get("redirect_uri") + "?code=" + code + "&state="
                + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Location", URI.create(back).toString());
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Grant grant = form.get("code") == null ? null : codes.remove(form.get("code"));
        String refusal = grant == null ? "unknown or reused code"
                : !"authorization_code".equals(form.get("grant_type")) ? "grant type"
                : !CLIENT_ID.equals(form.get("client_id")) ? "client id"
                : !grant.redirectUri().equals(form.get("redirect_uri")) ? "redirect uri"
                : !grant.challenge().equals(s256(form.getOrDefault("code_verifier", ""))) ? "PKCE verifier" : null;
        if (refusal != null) {
            refusals.add(refusal);
            send(ex, 400, "application/json", "{\"error\":\"invalid_grant\"}");
            return;
        }
        try {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer()).subject(grant.user().subject())
                    .audience("account").expirationTime(new Date(System.currentTimeMillis() + 300_000))
                    .claim("realm_access", Map.of("roles", grant.user().roles()));
            if (grant.user().tenant() != null) {
                claims.claim("fleetkeeper_tenant", grant.user().tenant());
            }
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims.build());
            jwt.sign(new RSASSASigner(key));
            IdTokenFault spoiled = fault;
            fault = IdTokenFault.NONE;
            String idToken = spoiled == IdTokenFault.MISSING ? "" : ",\"id_token\":\"" + idToken(grant, spoiled) + "\"";
            send(ex, 200, "application/json", "{\"access_token\":\"" + jwt.serialize()
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":300" + idToken + "}");
        } catch (Exception e) {
            send(ex, 500, "text/plain", e.toString());
        }
    }

    /** An ID token for the grant: this client as audience, the nonce of the authorization request. */
    private String idToken(Grant grant, IdTokenFault spoiled) throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer()).subject(grant.user().subject())
                .audience(CLIENT_ID).issueTime(new Date(now)).expirationTime(new Date(now + 300_000));
        if (grant.nonce() != null) {
            claims.claim("nonce", spoiled == IdTokenFault.WRONG_NONCE ? grant.nonce() + "x" : grant.nonce());
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims.build());
        jwt.sign(new RSASSASigner(spoiled == IdTokenFault.FOREIGN_SIGNATURE ? foreignKey : key));
        return jwt.serialize();
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parse(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, String type, String body) {
        try (ex) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
