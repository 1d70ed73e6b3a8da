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
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** No tenant can see or touch another tenant's objects: to every other tenant they do not exist. */
class TenantIsolationTests extends ApiTest {

    /** Every endpoint that addresses one object of a tenant. Adding an endpoint is one line. */
    static Stream<Endpoint> objectEndpoints() {
        return Stream.of(
                get("/api/v1/devices/{device}"),
                patch("/api/v1/devices/{device}", "{\"name\":\"taken over\"}"),
                post("/api/v1/devices/{device}/suspend", null),
                post("/api/v1/devices/{device}/resume", null),
                post("/api/v1/devices/{device}/decommission", null),
                delete("/api/v1/devices/{device}"),
                get("/api/v1/devices/{device}/events"),
                get("/api/v1/devices/{device}/connection"),
                get("/api/v1/sites/{site}"),
                patch("/api/v1/sites/{site}", "{\"name\":\"taken over\"}"),
                delete("/api/v1/sites/{site}"),
                get("/api/v1/device-types/{type}"),
                patch("/api/v1/device-types/{type}", "{\"description\":\"taken over\"}"),
                delete("/api/v1/device-types/{type}"),
                get("/api/v1/tokens/{token}"),
                post("/api/v1/tokens/{token}/revoke", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objectEndpoints")
    void anotherTenantsObjectsAreNotFound(Endpoint endpoint) {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        endpoint.call(api, b.admin(), a).expectProblem(404, "NOT_FOUND");

        a.assertUnchanged(api);
    }

    @Test
    void listingsAndStatsShowOnlyTheCallersObjects() {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        assertThat(api.get(b.admin(), "/api/v1/devices").expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), a.resolve("/api/v1/devices?site={site}")).expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/sites").expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/device-types").expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/tokens").expect(200).valueStream().map(t -> t.path("id").asString()))
                .containsExactly(b.adminTokenId());
        assertThat(stats(b.admin()).path("total").asLong()).isZero();
        assertThat(api.get(b.admin(), a.resolve("/api/v1/audit?target_id={device}")).expect(200).path("items"))
                .isEmpty();
    }

    @Test
    void anotherTenantsSiteCannotBeAssigned() {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        var problem = api.post(b.admin(), "/api/v1/devices", Map.of("name", "d", "device_type", "sensor",
                "site", a.siteId())).expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field")).containsExactly("site");
        a.assertUnchanged(api);
    }

    @Test
    void namesAndSerialsAreUniquePerTenantOnly() {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        createSite(b.admin(), "plant");
        createType(b.admin(), "meter");
        createDevice(b.admin(), Map.of("name", "meter 1", "device_type", "meter", "serial", "SN-1"));

        a.assertUnchanged(api);
        assertThat(stats(b.admin()).path("total").asLong()).isEqualTo(1);
    }
}
