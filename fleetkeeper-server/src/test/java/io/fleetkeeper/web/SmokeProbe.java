package io.fleetkeeper.web;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import org.junit.jupiter.api.Test;

class SmokeProbe extends ApiTest {
    @Test
    void probe() {
        TestTenant t = newTenant();
        System.out.println(api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants", "{\"name\":\"x-" + t.name() + "\"}").body());
        var site = createSite(t.admin(), "s1");
        System.out.println(site);
        var d = api.post(t.admin(), "/api/v1/devices", device("d1")).body();
        System.out.println(d);
        System.out.println(api.get(t.admin(), "/api/v1/tokens").body());
        System.out.println(api.get(t.admin(), "/api/v1/operator/tenants/" + t.id()).body());
        System.out.println(api.get(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + t.id()).body());
        System.out.println(api.get(t.admin(), "/api/v1/stats/devices").body());
        System.out.println(api.get(t.admin(), "/api/v1/audit").body());
        System.out.println(api.post(t.admin(), "/api/v1/devices", "{\"name\":\"a\",\"device_type\":\"x\",\"id\":\"1\"}").body());
        System.out.println(api.post(t.admin(), "/api/v1/devices", "{\"name\":\"a\",\"device_type\":\"x\",\"foo\":\"1\"}").body());
        System.out.println(api.post(t.admin(), "/api/v1/devices", "{\"device_type\":\"x y\"}").body());
        System.out.println(api.get(null, "/api/v1/devices").headers().map());
        System.out.println(api.get(null, "/v3/api-docs").body().substring(0, 300));
    }
}
