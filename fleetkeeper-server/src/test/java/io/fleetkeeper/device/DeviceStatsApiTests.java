package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code GET /api/v1/stats/devices}: counts that are exact after every change. */
class DeviceStatsApiTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void newTenantHasNoDevices() {
        TestTenant tenant = newTenant();

        assertStats(tenant, "{\"total\":0,\"by_status\":{},\"by_type\":{},\"by_site\":{}}");
    }

    @Test
    void countsFollowCreateChangeSuspendAndPurge() {
        TestTenant tenant = newTenant();
        String site = createSite(tenant.admin(), "plant").path("id").asString();
        Map<String, Object> atSite = device("cam");
        atSite.put("device_type", "camera");
        atSite.put("site", site);
        String cam = createDevice(tenant.admin(), atSite).path("id").asString();
        String meter = createDevice(tenant.admin(), device("meter")).path("id").asString();
        String third = createDevice(tenant.admin(), device("third")).path("id").asString();

        assertStats(tenant, "{\"total\":3,\"by_status\":{\"active\":3},\"by_type\":{\"camera\":1,\"sensor\":2},"
                + "\"by_site\":{\"" + site + "\":1,\"unassigned\":2}}");

        api.post(tenant.admin(), "/api/v1/devices/" + cam + "/suspend", null).expect(200);
        api.patch(tenant.admin(), "/api/v1/devices/" + meter, Map.of("device_type", "meter", "site", site), null)
                .expect(200);
        api.post(tenant.admin(), "/api/v1/devices/" + third + "/decommission", null).expect(200);

        assertStats(tenant, "{\"total\":3,\"by_status\":{\"active\":1,\"suspended\":1,\"decommissioned\":1},"
                + "\"by_type\":{\"camera\":1,\"meter\":1,\"sensor\":1},\"by_site\":{\"" + site + "\":2,"
                + "\"unassigned\":1}}");

        api.delete(tenant.admin(), "/api/v1/devices/" + cam).expect(204);
        api.delete(tenant.admin(), "/api/v1/devices/" + third).expect(204);

        assertStats(tenant, "{\"total\":1,\"by_status\":{\"active\":1},\"by_type\":{\"meter\":1},"
                + "\"by_site\":{\"" + site + "\":1}}");
    }

    private void assertStats(TestTenant tenant, String expected) {
        JsonNode stats = stats(tenant.admin());
        JsonNode want = JSON.readTree(expected);
        for (String dimension : want.propertyNames()) {
            assertThat(stats.path(dimension)).as(dimension).isEqualTo(want.path(dimension));
        }
        JsonNode listed = api.get(tenant.admin(), "/api/v1/devices?limit=1000").expect(200).path("items");
        assertThat(stats.path("total").asLong()).isEqualTo(listed.size());
    }
}
