package io.fleetkeeper.tenancy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tenancy and authentication settings.
 *
 * @param bootstrapToken   platform operator token to install on first start instead of generating one
 *                         (for automation; must start with {@code fk_} and carry ≥ 43 characters of secret);
 *                         empty: generate and print one
 * @param tokenCacheSeconds how long a verified token stays in the in-process cache (default 30); revocation
 *                          and tenant suspension purge it at once on this node
 * @param oidc             optional OpenID Connect / JWT settings
 */
@ConfigurationProperties("fleetkeeper.auth")
public record TenancyProperties(
        @DefaultValue("") String bootstrapToken,
        @DefaultValue("30") int tokenCacheSeconds,
        @DefaultValue Oidc oidc) {

    /**
     * JWT bearer tokens from an OpenID Connect provider, accepted beside API tokens when an issuer or a
     * JWKS URI is set.
     *
     * @param issuerUri    expected {@code iss}; its {@code /.well-known/openid-configuration} gives the JWKS
     *                     when {@code jwksUri} is empty
     * @param jwksUri      where the signing keys are published
     * @param audience     required {@code aud} value; empty: not checked
     * @param tenantClaim  claim holding the tenant id or name (default {@code fleetkeeper_tenant}); dotted paths
     *                     reach into nested objects
     * @param rolesClaim   claim holding the roles, a list or a space-separated string (default
     *                     {@code realm_access.roles}, Keycloak's realm roles)
     * @param rolePrefix   prefix that marks Fleetkeeper roles among the claim's values (default {@code fleetkeeper-}:
     *                     {@code fleetkeeper-admin}, {@code fleetkeeper-operator}, {@code fleetkeeper-viewer},
     *                     {@code fleetkeeper-platform})
     * @param clientId     the client id the console signs in with (authorization code + PKCE against the issuer);
     *                     empty: the console offers no OIDC sign-in
     * @param clientSecret the client's secret for the token endpoint when the provider registers the console as a
     *                     confidential client; empty: a public client (PKCE alone)
     * @param scopes       scopes the console asks for (space-separated, default {@code openid})
     */
    public record Oidc(
            @DefaultValue("") String issuerUri,
            @DefaultValue("") String jwksUri,
            @DefaultValue("") String audience,
            @DefaultValue("fleetkeeper_tenant") String tenantClaim,
            @DefaultValue("realm_access.roles") String rolesClaim,
            @DefaultValue("fleetkeeper-") String rolePrefix,
            @DefaultValue("") String clientId,
            @DefaultValue("") String clientSecret,
            @DefaultValue("openid") String scopes) {

        public boolean enabled() {
            return !issuerUri.isBlank() || !jwksUri.isBlank();
        }

        /** Whether people can sign in interactively: an issuer to discover and a client id to sign in as. */
        public boolean interactive() {
            return !issuerUri.isBlank() && !clientId.isBlank();
        }

        @Override
        public String toString() {
            return "Oidc[issuerUri=" + issuerUri + ", clientId=" + clientId + ", clientSecret="
                    + (clientSecret.isEmpty() ? "" : "(set)") + "]";
        }
    }
}
