package io.fleetkeeper.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A tenant admin's API tokens at {@code /api/v1/tokens}. */
class TokenApiTests extends ApiTest {

    @Test
    void secretIsShownOnceAndOnlyItsPrefixAfterwards() {
        TestTenant tenant = newTenant();

        JsonNode issued = api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", "ci", "role", "operator"))
                .expect(201);

        String secret = issued.path("token").asString();
        String prefix = issued.path("prefix").asString();
        assertThat(secret).startsWith("fk_").startsWith(prefix).hasSizeGreaterThan(40);
        assertThat(prefix).hasSizeLessThan(12);
        JsonNode read = api.get(tenant.admin(), "/api/v1/tokens/" + issued.path("id").asString()).expect(200);
        assertThat(read.path("prefix").asString()).isEqualTo(prefix);
        JsonNode list = api.get(tenant.admin(), "/api/v1/tokens").expect(200).path("items");
        assertThat(list).hasSize(2);
        for (JsonNode token : list) {
            assertThat(token.has("prefix")).isTrue();
            assertThat(token.propertyNames()).doesNotContain("token", "token_hash", "secret");
        }
    }

    @Test
    void listedTokensCarryTheRoleAsIssued() {
        TestTenant tenant = newTenant();
        String id = api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", "ci", "role", "viewer")).expect(201)
                .path("id").asString();

        JsonNode read = api.get(tenant.admin(), "/api/v1/tokens/" + id).expect(200);

        assertThat(read.path("role").asString()).isEqualTo("viewer");
        assertThat(read.path("name").asString()).isEqualTo("ci");
        assertThat(read.path("created_by").asString()).isEqualTo(tenant.adminActor());
    }

    @Test
    void revokedTokenIsRefusedAtOnce() {
        TestTenant tenant = newTenant();
        JsonNode issued = api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", "ci", "role", "operator"))
                .expect(201);
        String secret = issued.path("token").asString();
        api.get(secret, "/api/v1/devices").expect(200);

        JsonNode revoked = api.post(tenant.admin(), "/api/v1/tokens/" + issued.path("id").asString() + "/revoke",
                null).expect(200);

        assertThat(revoked.path("revoked_at").isNull()).isFalse();
        var refused = api.get(secret, "/api/v1/devices");
        refused.expectProblem(401, "UNAUTHENTICATED");
        assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer");
        api.get(tenant.admin(), "/api/v1/devices").expect(200);
    }

    @Test
    void lastUsedAtIsRecordedShortlyAfterUse() {
        TestTenant tenant = newTenant();
        JsonNode issued = api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", "ci", "role", "viewer"))
                .expect(201);
        String path = "/api/v1/tokens/" + issued.path("id").asString();
        assertThat(api.get(tenant.admin(), path).expect(200).path("last_used_at").isNull()).isTrue();
        Instant before = Instant.now().minusSeconds(1);

        api.get(issued.path("token").asString(), "/api/v1/devices").expect(200);

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(api.get(tenant.admin(), path).expect(200).path("last_used_at").isNull()).isFalse());
        Instant lastUsed = Instant.parse(api.get(tenant.admin(), path).expect(200).path("last_used_at").asString());
        assertThat(lastUsed).isAfter(before);
    }

    @Test
    void tokenRequestsAreValidated() {
        TestTenant tenant = newTenant();

        JsonNode problem = api.post(tenant.admin(), "/api/v1/tokens",
                Map.of("name", "", "role", "root", "expires_at", "2001-01-01T00:00:00Z"))
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("name", "role", "expires_at");
        assertThat(api.get(tenant.admin(), "/api/v1/tokens").expect(200).path("items")).hasSize(1);
    }

    @Test
    void tokenWithFutureExpiryWorks() {
        TestTenant tenant = newTenant();

        JsonNode issued = api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", "temp", "role", "viewer",
                "expires_at", Instant.now().plus(Duration.ofHours(1)).toString())).expect(201);

        assertThat(issued.path("expires_at").isNull()).isFalse();
        api.get(issued.path("token").asString(), "/api/v1/devices").expect(200);
    }

    @Test
    void unknownTokenIsNotFound() {
        TestTenant tenant = newTenant();

        api.get(tenant.admin(), "/api/v1/tokens/" + UUID.randomUUID()).expectProblem(404, "NOT_FOUND");
        api.post(tenant.admin(), "/api/v1/tokens/" + UUID.randomUUID() + "/revoke", null)
                .expectProblem(404, "NOT_FOUND");
    }

    @Test
    void unknownOrMalformedCredentialsAreUnauthenticated() {
        for (String header : new String[] {"Bearer fk_" + "x".repeat(43), "Bearer not-a-token", "Basic dXNlcjpwdw==",
                "Bearer "}) {
            var reply = api.call("GET", "/api/v1/devices").header("Authorization", header).send();
            reply.expectProblem(401, "UNAUTHENTICATED");
            assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"fleetkeeper\"");
        }
    }
}
