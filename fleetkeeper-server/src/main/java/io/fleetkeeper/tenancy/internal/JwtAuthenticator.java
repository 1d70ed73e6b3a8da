package io.fleetkeeper.tenancy.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenancyProperties;
import io.fleetkeeper.tenancy.Tenant;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Accepts OpenID Connect access tokens (JWTs) when an issuer or JWKS URI is configured. The signature
 * is checked against the provider's published keys (cached and refreshed by Nimbus); the tenant and
 * the roles come from configurable claims.
 */
@Component
public class JwtAuthenticator {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final TenancyProperties.Oidc props;
    private final TenantRepository tenants;
    private final JsonMapper json;
    private volatile DefaultJWTProcessor<SecurityContext> processor;
    private volatile JWSVerificationKeySelector<SecurityContext> keys;
    private volatile JsonNode discovery;

    JwtAuthenticator(TenancyProperties props, TenantRepository tenants, JsonMapper json) {
        this.props = props.oidc();
        this.tenants = tenants;
        this.json = json;
    }

    public boolean enabled() {
        return props.enabled();
    }

    public Caller authenticate(String jwt) {
        return verify(jwt).caller();
    }

    /** A verified JWT: the caller it names, and when it stops being valid. */
    public record Verified(Caller caller, Instant expiresAt) {
    }

    /**
     * Verifies an OpenID Connect ID token (Core 1.0, section 3.1.3.7) from the token endpoint: signed by one of the
     * provider's keys, issued by the configured issuer, for {@code clientId} (its audience), not expired, with
     * {@code sub}, {@code iat} and the {@code nonce} the sign-in sent. Fails with {@code UNAUTHENTICATED}.
     */
    public void verifyIdToken(String idToken, String clientId, String nonce) {
        try {
            processor(); // the provider's keys
            DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
            p.setJWSKeySelector(keys);
            JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder().claim("nonce", nonce);
            if (!props.issuerUri().isBlank()) {
                exact.issuer(props.issuerUri());
            }
            p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(clientId, exact.build(),
                    new HashSet<>(List.of("sub", "exp", "iat"))));
            p.process(idToken, null);
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "the ID token is not valid");
        }
    }

    /** Verifies {@code jwt} as {@link #authenticate} does, and also answers when it expires. */
    public Verified verify(String jwt) {
        JWTClaimsSet claims;
        try {
            claims = processor().process(jwt, null);
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "bearer JWT is not valid");
        }
        Role role = role(claims);
        if (role == null) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "JWT carries no Fleetkeeper role");
        }
        String actor = "jwt:" + claims.getSubject();
        Instant expires = claims.getExpirationTime().toInstant();
        if (role == Role.PLATFORM) {
            return new Verified(new Caller(null, actor, role), expires);
        }
        Object tenantClaim = claim(claims.getClaims(), props.tenantClaim());
        Tenant tenant = tenantClaim == null ? null : resolveTenant(tenantClaim.toString());
        if (tenant == null) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "JWT names no known tenant");
        }
        if (tenant.status() != Tenant.TenantStatus.ACTIVE) {
            throw new ApiException(ErrorCode.TENANT_SUSPENDED, "the tenant is suspended");
        }
        return new Verified(new Caller(tenant.id(), actor, role), expires);
    }

    private Tenant resolveTenant(String value) {
        UUID id = io.fleetkeeper.store.Ids.parseOrNull(value);
        if (id != null) {
            return tenants.find(id).orElse(null);
        }
        return tenants.findByName(value).orElse(null);
    }

    private Role role(JWTClaimsSet claims) {
        Object raw = claim(claims.getClaims(), props.rolesClaim());
        List<String> values = new ArrayList<>();
        if (raw instanceof List<?> list) {
            list.forEach(o -> values.add(String.valueOf(o)));
        } else if (raw instanceof String s) {
            values.addAll(Arrays.asList(s.split(" ")));
        }
        Role best = null;
        for (String v : values) {
            if (!v.startsWith(props.rolePrefix())) {
                continue;
            }
            String name = v.substring(props.rolePrefix().length());
            if (name.equals("platform")) {
                return Role.PLATFORM;
            }
            Role r = Role.tenantRole(name);
            if (r != null && (best == null || r.covers(best))) {
                best = r;
            }
        }
        return best;
    }

    @SuppressWarnings("unchecked")
    static Object claim(Map<String, Object> claims, String path) {
        Object current = claims;
        for (String part : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = ((Map<String, Object>) map).get(part);
        }
        return current;
    }

    private DefaultJWTProcessor<SecurityContext> processor() throws Exception {
        DefaultJWTProcessor<SecurityContext> p = processor;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (processor == null) {
                URL jwks = URI.create(props.jwksUri().isBlank() ? discoverJwks() : props.jwksUri()).toURL();
                JWKSource<SecurityContext> source = JWKSourceBuilder.create(jwks).retrying(true).build();
                DefaultJWTProcessor<SecurityContext> created = new DefaultJWTProcessor<>();
                keys = new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
                        JWSAlgorithm.RS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.PS256), source);
                created.setJWSKeySelector(keys);
                JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
                if (!props.issuerUri().isBlank()) {
                    exact.issuer(props.issuerUri());
                }
                created.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                        props.audience().isBlank() ? null : props.audience(), exact.build(),
                        new HashSet<>(List.of("sub", "exp"))));
                processor = created;
            }
            return processor;
        }
    }

    private String discoverJwks() {
        String uri = discovery().path("jwks_uri").asString("");
        if (uri.isBlank()) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "OIDC discovery failed");
        }
        return uri;
    }

    /**
     * The issuer's discovery document ({@code /.well-known/openid-configuration}), fetched once and kept; a failed
     * fetch is not kept, so the next call tries again.
     */
    public JsonNode discovery() {
        JsonNode doc = discovery;
        if (doc != null) {
            return doc;
        }
        if (props.issuerUri().isBlank()) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "no OIDC issuer is configured");
        }
        String base = props.issuerUri().endsWith("/") ? props.issuerUri() : props.issuerUri() + "/";
        try {
            HttpResponse<InputStream> resp = HTTP.send(HttpRequest.newBuilder(
                    URI.create(base + ".well-known/openid-configuration")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new ApiException(ErrorCode.UNAUTHENTICATED, "OIDC discovery failed");
                }
                doc = json.readTree(in);
            }
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "OIDC discovery failed");
        }
        discovery = doc;
        return doc;
    }
}
