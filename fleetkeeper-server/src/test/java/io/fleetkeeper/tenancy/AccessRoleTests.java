package io.fleetkeeper.tenancy;

import static io.fleetkeeper.testing.Endpoint.delete;
import static io.fleetkeeper.testing.Endpoint.get;
import static io.fleetkeeper.testing.Endpoint.patch;
import static io.fleetkeeper.testing.Endpoint.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Endpoint;
import io.fleetkeeper.testing.TenantObjects;
import io.fleetkeeper.testing.TestTenant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Roles: viewer reads, operator changes, admin also purges, deletes and manages tokens; platform is apart. */
class AccessRoleTests extends ApiTest {

    static Stream<Endpoint> mutatingEndpoints() {
        return Stream.of(
                post("/api/v1/devices", "{\"name\":\"d\",\"device_type\":\"sensor\"}"),
                patch("/api/v1/devices/{device}", "{\"name\":\"renamed\"}"),
                post("/api/v1/devices/{device}/suspend", null),
                post("/api/v1/devices/{device}/resume", null),
                post("/api/v1/devices/{device}/decommission", null),
                delete("/api/v1/devices/{device}"),
                post("/api/v1/sites", "{\"name\":\"another\"}"),
                patch("/api/v1/sites/{site}", "{\"name\":\"renamed\"}"),
                delete("/api/v1/sites/{site}"),
                post("/api/v1/device-types", "{\"name\":\"another\"}"),
                patch("/api/v1/device-types/{type}", "{\"description\":\"changed\"}"),
                delete("/api/v1/device-types/{type}"),
                post("/api/v1/tokens", "{\"name\":\"more\",\"role\":\"admin\"}"),
                post("/api/v1/tokens/{token}/revoke", null));
    }

    static Stream<Endpoint> adminOnlyEndpoints() {
        return Stream.of(
                delete("/api/v1/devices/{device}"),
                delete("/api/v1/sites/{site}"),
                delete("/api/v1/device-types/{type}"),
                get("/api/v1/tokens"),
                get("/api/v1/tokens/{token}"),
                post("/api/v1/tokens", "{\"name\":\"more\",\"role\":\"admin\"}"),
                post("/api/v1/tokens/{token}/revoke", null));
    }

    static Stream<Endpoint> readEndpoints() {
        return Stream.of(
                get("/api/v1/devices"),
                get("/api/v1/devices/{device}"),
                get("/api/v1/devices/{device}/events"),
                get("/api/v1/devices/{device}/connection"),
                get("/api/v1/stats/devices"),
                get("/api/v1/sites"),
                get("/api/v1/sites/{site}"),
                get("/api/v1/device-types"),
                get("/api/v1/device-types/{type}"),
                get("/api/v1/audit"));
    }

    static Stream<Endpoint> tenantEndpoints() {
        return Stream.concat(readEndpoints(), mutatingEndpoints());
    }

    static Stream<Endpoint> operatorEndpoints() {
        return Stream.of(
                get("/api/v1/operator/tenants"),
                post("/api/v1/operator/tenants", "{\"name\":\"not-allowed\"}"),
                get("/api/v1/operator/tenants/{tenant}"),
                post("/api/v1/operator/tenants/{tenant}/suspend", null),
                post("/api/v1/operator/tenants/{tenant}/resume", null),
                post("/api/v1/operator/tenants/{tenant}/tokens", "{\"name\":\"x\",\"role\":\"admin\"}"),
                get("/api/v1/operator/tokens"),
                post("/api/v1/operator/tokens", "{\"name\":\"x\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutatingEndpoints")
    void viewerCannotChangeAnything(Endpoint endpoint) {
        TestTenant tenant = newTenant();
        String viewer = token(tenant, "viewer");
        TenantObjects objects = TenantObjects.create(api, tenant);

        endpoint.call(api, viewer, objects).expectProblem(403, "FORBIDDEN");

        objects.assertUnchanged(api);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readEndpoints")
    void viewerCanRead(Endpoint endpoint) {
        TestTenant tenant = newTenant();
        String viewer = token(tenant, "viewer");
        TenantObjects objects = TenantObjects.create(api, tenant);

        endpoint.call(api, viewer, objects).expect(200);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("adminOnlyEndpoints")
    void operatorCannotPurgeDeleteOrManageTokens(Endpoint endpoint) {
        TestTenant tenant = newTenant();
        String operator = token(tenant, "operator");
        TenantObjects objects = TenantObjects.create(api, tenant);

        endpoint.call(api, operator, objects).expectProblem(403, "FORBIDDEN");

        objects.assertUnchanged(api);
    }

    @Test
    void operatorCanChangeDevicesSitesAndTypes() {
        TestTenant tenant = newTenant();
        String operator = token(tenant, "operator");
        TenantObjects objects = TenantObjects.create(api, tenant);

        api.patch(operator, objects.resolve("/api/v1/devices/{device}"), "{\"name\":\"renamed\"}", null).expect(200);
        api.post(operator, objects.resolve("/api/v1/devices/{device}/suspend"), null).expect(200);
        api.post(operator, "/api/v1/sites", "{\"name\":\"second\"}").expect(201);
        api.patch(operator, objects.resolve("/api/v1/device-types/{type}"), "{\"description\":\"d\"}", null)
                .expect(200);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tenantEndpoints")
    void platformTokenCannotUseTenantEndpoints(Endpoint endpoint) {
        TenantObjects objects = TenantObjects.create(api, newTenant());

        endpoint.call(api, PLATFORM_TOKEN, objects).expectProblem(403, "FORBIDDEN");

        objects.assertUnchanged(api);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operatorEndpoints")
    void tenantAdminCannotUseOperatorEndpoints(Endpoint endpoint) {
        TenantObjects objects = TenantObjects.create(api, newTenant());

        endpoint.call(api, objects.tenant().admin(), objects).expectProblem(403, "FORBIDDEN");

        objects.assertUnchanged(api);
        assertThat(api.get(PLATFORM_TOKEN, objects.resolve("/api/v1/operator/tenants/{tenant}")).expect(200)
                .path("status").asString()).isEqualTo("active");
    }
}
