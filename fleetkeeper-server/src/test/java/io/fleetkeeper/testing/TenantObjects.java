package io.fleetkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One of each object a tenant owns (a site, a device type, a device at that site and a spare token),
 * for sweeps that call every endpoint on them and then check that nothing changed.
 */
public record TenantObjects(TestTenant tenant, String deviceId, String siteId, String typeName, String tokenId,
        long auditHead) {

    public static TenantObjects create(Api api, TestTenant tenant) {
        String admin = tenant.admin();
        String site = api.post(admin, "/api/v1/sites", Map.of("name", "plant")).expect(201).path("id").asString();
        api.post(admin, "/api/v1/device-types", Map.of("name", "meter", "required_metadata", List.of("location")))
                .expect(201);
        String device = api.post(admin, "/api/v1/devices", Map.of("name", "meter 1", "device_type", "meter",
                "serial", "SN-1", "site", site, "metadata", Map.of("location", "roof"))).expect(201)
                .path("id").asString();
        String token = api.post(admin, "/api/v1/tokens", Map.of("name", "spare", "role", "viewer")).expect(201)
                .path("id").asString();
        return new TenantObjects(tenant, device, site, "meter", token, auditHead(api, admin));
    }

    public String resolve(String path) {
        return path.replace("{device}", deviceId).replace("{site}", siteId).replace("{type}", typeName)
                .replace("{token}", tokenId).replace("{tenant}", tenant.id());
    }

    /** Asserts, as the tenant's admin, that every object is as created and no mutation was audited. */
    public void assertUnchanged(Api api) {
        String admin = tenant.admin();
        JsonNode device = api.get(admin, resolve("/api/v1/devices/{device}")).expect(200);
        assertThat(device.path("version").asLong()).isEqualTo(1);
        assertThat(device.path("status").asString()).isEqualTo("active");
        assertThat(device.path("name").asString()).isEqualTo("meter 1");
        assertThat(api.get(admin, resolve("/api/v1/devices/{device}/events")).expect(200).path("items")).hasSize(1);
        assertThat(api.get(admin, resolve("/api/v1/sites/{site}")).expect(200).path("version").asLong()).isEqualTo(1);
        assertThat(api.get(admin, resolve("/api/v1/device-types/{type}")).expect(200).path("version").asLong())
                .isEqualTo(1);
        assertThat(api.get(admin, resolve("/api/v1/tokens/{token}")).expect(200).path("revoked_at").isNull())
                .isTrue();
        assertThat(api.get(admin, "/api/v1/stats/devices").expect(200).path("total").asLong()).isEqualTo(1);
        assertThat(auditHead(api, admin)).as("newest audit entry").isEqualTo(auditHead);
    }

    private static long auditHead(Api api, String token) {
        return api.get(token, "/api/v1/audit?limit=1").expect(200).path("items").path(0).path("id").asLong();
    }
}
