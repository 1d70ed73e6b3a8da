package io.fleetkeeper.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * OIDC bearer JWTs, as Keycloak issues them: signature checked against a JWKS served over real HTTP,
 * tenant and roles from claims.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OidcAuthenticationTest {

    static final String ISSUER = "https://idp.example/realms/fleet";
    static final RSAKey KEY = generate();
    static final RSAKey STRANGER = generate();
    static final HttpServer JWKS = jwksServer();

    @LocalServerPort
    int port;
    @Autowired
    TenantService tenants;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-oidc").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
        r.add("fleetkeeper.auth.oidc.issuer-uri", () -> ISSUER);
        r.add("fleetkeeper.auth.oidc.jwks-uri", () -> "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/certs");
        r.add("fleetkeeper.auth.oidc.audience", () -> "fleetkeeper");
    }

    @AfterAll
    static void stopJwks() {
        JWKS.stop(0);
    }

    @Test
    void keycloakStyleViewerReadsButCannotWrite() throws Exception {
        String tenant = newTenant();
        String jwt = sign(KEY, claims(tenant, List.of("offline_access", "fleetkeeper-viewer"), 300));
        assertThat(get("/api/v1/devices", jwt).statusCode()).isEqualTo(200);
        HttpResponse<String> post = send("POST", "/api/v1/devices", jwt, "{\"name\":\"a\",\"device_type\":\"m\"}");
        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(post.body()).contains("\"code\":\"FORBIDDEN\"");
    }

    @Test
    void adminClaimActsInItsTenantOnly() throws Exception {
        String tenant = newTenant();
        String jwt = sign(KEY, claims(tenant, List.of("fleetkeeper-admin"), 300));
        HttpResponse<String> created = send("POST", "/api/v1/devices", jwt, "{\"name\":\"a\",\"device_type\":\"m\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(send("GET", "/api/v1/audit?action=device.create", jwt, null).body()).contains("jwt:user-1");
        String other = sign(KEY, claims(newTenant(), List.of("fleetkeeper-admin"), 300));
        String id = created.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        assertThat(get("/api/v1/devices/" + id, other).statusCode()).isEqualTo(404);
    }

    @Test
    void badTokensAreRefused() throws Exception {
        String tenant = newTenant();
        assertThat(get("/api/v1/devices", sign(STRANGER, claims(tenant, List.of("fleetkeeper-admin"), 300)))
                .statusCode()).as("unknown signing key").isEqualTo(401);
        assertThat(get("/api/v1/devices", sign(KEY, claims(tenant, List.of("fleetkeeper-admin"), -60)))
                .statusCode()).as("expired").isEqualTo(401);
        assertThat(get("/api/v1/devices", sign(KEY, claims("no-such-tenant", List.of("fleetkeeper-admin"), 300)))
                .statusCode()).as("unknown tenant").isEqualTo(401);
        assertThat(get("/api/v1/devices", sign(KEY, claims(tenant, List.of("admin"), 300)))
                .statusCode()).as("no fleetkeeper role").isEqualTo(401);
        JWTClaimsSet wrongAudience = new JWTClaimsSet.Builder(claims(tenant, List.of("fleetkeeper-admin"), 300))
                .audience("someone-else").build();
        assertThat(get("/api/v1/devices", sign(KEY, wrongAudience)).statusCode()).as("audience").isEqualTo(401);
    }

    @Test
    void suspendedTenantsJwtsFail() throws Exception {
        String tenant = newTenant();
        String jwt = sign(KEY, claims(tenant, List.of("fleetkeeper-operator"), 300));
        assertThat(get("/api/v1/devices", jwt).statusCode()).isEqualTo(200);
        UUID id = tenants.list(null, 1000).items().stream().filter(t -> t.name().equals(tenant)).findFirst()
                .orElseThrow().id();
        tenants.suspend(new Caller(null, "test", Role.PLATFORM), id);
        HttpResponse<String> r = get("/api/v1/devices", jwt);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("TENANT_SUSPENDED");
    }

    @Test
    void platformRoleReachesOperatorEndpoints() throws Exception {
        String jwt = sign(KEY, new JWTClaimsSet.Builder().issuer(ISSUER).subject("ops").audience("fleetkeeper")
                .expirationTime(new Date(System.currentTimeMillis() + 300_000))
                .claim("realm_access", Map.of("roles", List.of("fleetkeeper-platform"))).build());
        assertThat(get("/api/v1/operator/tenants", jwt).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/devices", jwt).statusCode()).isEqualTo(403);
    }

    private String newTenant() {
        String name = "o-" + UUID.randomUUID().toString().substring(0, 8);
        tenants.create(new Caller(null, "test", Role.PLATFORM), name);
        return name;
    }

    static JWTClaimsSet claims(String tenant, List<String> roles, int expiresInSeconds) {
        return new JWTClaimsSet.Builder().issuer(ISSUER).subject("user-1").audience("fleetkeeper")
                .expirationTime(new Date(System.currentTimeMillis() + expiresInSeconds * 1000L))
                .claim("fleetkeeper_tenant", tenant)
                .claim("realm_access", Map.of("roles", roles)).build();
    }

    static String sign(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private HttpResponse<String> get(String path, String jwt) throws Exception {
        return send("GET", path, jwt, null);
    }

    private HttpResponse<String> send(String method, String path, String jwt, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + jwt).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpServer jwksServer() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            byte[] body = new JWKSet(KEY.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            server.createContext("/certs", ex -> {
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            server.start();
            return server;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
