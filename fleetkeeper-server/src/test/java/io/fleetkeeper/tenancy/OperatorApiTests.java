package io.fleetkeeper.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The platform operator API: tenants, their suspension, and platform tokens. */
class OperatorApiTests extends ApiTest {

    @Test
    void createdTenantIsActiveAndComesWithAWorkingAdminToken() {
        String name = randomName("t-");

        JsonNode created = api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants", Map.of("name", name)).expect(201);

        JsonNode tenant = created.path("tenant");
        assertThat(tenant.path("name").asString()).isEqualTo(name);
        assertThat(tenant.path("status").asString()).isEqualTo("active");
        assertThat(tenant.path("version").asLong()).isEqualTo(1);
        JsonNode admin = created.path("admin_token");
        assertThat(admin.path("role").asString()).isEqualTo("admin");
        assertThat(admin.path("token").asString()).startsWith("fk_").startsWith(admin.path("prefix").asString());
        api.get(admin.path("token").asString(), "/api/v1/devices").expect(200);
    }

    @Test
    void tenantNamesAreValidatedAndUnique() {
        TestTenant tenant = newTenant();

        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants", Map.of("name", tenant.name()))
                .expectProblem(409, "ALREADY_EXISTS");
        JsonNode invalid = api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants", Map.of("name", "Not Valid"))
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(invalid.path("errors").findValuesAsString("field")).containsExactly("name");
    }

    @Test
    void tenantIsReadByIdAndUnknownIdsAreNotFound() {
        TestTenant tenant = newTenant();

        JsonNode read = api.get(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + tenant.id()).expect(200);

        assertThat(read.path("name").asString()).isEqualTo(tenant.name());
        api.get(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + UUID.randomUUID()).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void listWalksEveryTenantInNameOrderWithoutDuplicates() {
        List<String> mine = List.of(newTenant().name(), newTenant().name(), newTenant().name());

        List<String> names = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(PLATFORM_TOKEN, "/api/v1/operator/tenants?limit=2"
                    + (cursor == null ? "" : "&cursor=" + cursor)).expect(200);
            assertThat(page.path("items").size()).isLessThanOrEqualTo(2);
            page.path("items").forEach(t -> names.add(t.path("name").asString()));
            cursor = page.path("next_cursor").asString(null);
        } while (cursor != null);

        assertThat(names).doesNotHaveDuplicates().isSorted().containsAll(mine);
    }

    @Test
    void suspendedTenantsTokensAreRefusedUntilItResumes() {
        TestTenant tenant = newTenant();
        String viewer = token(tenant, "viewer");
        api.get(viewer, "/api/v1/devices").expect(200);

        JsonNode suspended = api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + tenant.id() + "/suspend", null)
                .expect(200);

        assertThat(suspended.path("status").asString()).isEqualTo("suspended");
        assertThat(suspended.path("version").asLong()).isEqualTo(2);
        for (String token : List.of(tenant.admin(), viewer)) {
            var reply = api.get(token, "/api/v1/devices");
            reply.expectProblem(401, "TENANT_SUSPENDED");
            assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
        }

        JsonNode resumed = api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + tenant.id() + "/resume", null)
                .expect(200);

        assertThat(resumed.path("status").asString()).isEqualTo("active");
        api.get(tenant.admin(), "/api/v1/devices").expect(200);
        api.get(viewer, "/api/v1/devices").expect(200);
    }

    @Test
    void suspendingOneTenantLeavesOthersWorking() {
        TestTenant suspended = newTenant();
        TestTenant other = newTenant();

        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + suspended.id() + "/suspend", null).expect(200);

        api.get(other.admin(), "/api/v1/devices").expect(200);
    }

    @Test
    void suspendAndResumeAreIdempotentAndAudited() {
        TestTenant tenant = newTenant();
        String suspend = "/api/v1/operator/tenants/" + tenant.id() + "/suspend";
        String resume = "/api/v1/operator/tenants/" + tenant.id() + "/resume";

        api.post(PLATFORM_TOKEN, resume, null).expect(200);
        api.post(PLATFORM_TOKEN, suspend, null).expect(200);
        JsonNode again = api.post(PLATFORM_TOKEN, suspend, null).expect(200);
        api.post(PLATFORM_TOKEN, resume, null).expect(200);

        assertThat(again.path("version").asLong()).isEqualTo(2);
        JsonNode audit = api.get(tenant.admin(), "/api/v1/audit?target_type=tenant").expect(200);
        assertThat(audit.path("items").findValuesAsString("action"))
                .containsExactly("tenant.resume", "tenant.suspend", "tenant.create");
    }

    @Test
    void unknownTenantCannotBeSuspended() {
        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + UUID.randomUUID() + "/suspend", null)
                .expectProblem(404, "NOT_FOUND");
    }

    @Test
    void operatorIssuesTenantTokens() {
        TestTenant tenant = newTenant();

        JsonNode issued = api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + tenant.id() + "/tokens",
                Map.of("name", "provisioning", "role", "operator")).expect(201);

        assertThat(issued.path("role").asString()).isEqualTo("operator");
        String token = issued.path("token").asString();
        api.post(token, "/api/v1/devices", device("made by an operator token")).expect(201);
        api.delete(token, "/api/v1/devices/" + UUID.randomUUID()).expectProblem(403, "FORBIDDEN");
        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + UUID.randomUUID() + "/tokens",
                Map.of("name", "x", "role", "admin")).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void platformTokensAreIssuedListedAndRevoked() {
        JsonNode issued = api.post(PLATFORM_TOKEN, "/api/v1/operator/tokens", Map.of("name", randomName("ops-")))
                .expect(201);
        String id = issued.path("id").asString();
        String secret = issued.path("token").asString();

        assertThat(issued.path("role").asString()).isEqualTo("platform");
        api.get(secret, "/api/v1/operator/tenants").expect(200);
        JsonNode listed = api.get(PLATFORM_TOKEN, "/api/v1/operator/tokens").expect(200).path("items");
        JsonNode mine = listed.valueStream().filter(t -> t.path("id").asString().equals(id)).findFirst().orElseThrow();
        assertThat(mine.has("token")).isFalse();
        assertThat(secret).startsWith(mine.path("prefix").asString());

        JsonNode revoked = api.post(PLATFORM_TOKEN, "/api/v1/operator/tokens/" + id + "/revoke", null).expect(200);

        assertThat(revoked.path("revoked_at").isNull()).isFalse();
        api.get(secret, "/api/v1/operator/tenants").expectProblem(401, "UNAUTHENTICATED");
        api.get(PLATFORM_TOKEN, "/api/v1/operator/tenants").expect(200);
    }

    @Test
    void tenantTokenIdsAreNotPlatformTokens() {
        TestTenant tenant = newTenant();

        api.post(PLATFORM_TOKEN, "/api/v1/operator/tokens/" + tenant.adminTokenId() + "/revoke", null)
                .expectProblem(404, "NOT_FOUND");

        api.get(tenant.admin(), "/api/v1/devices").expect(200);
    }
}
