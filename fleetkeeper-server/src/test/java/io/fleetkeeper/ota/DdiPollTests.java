package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** hawkBit DDI clients poll the base resource on the device listener with {@code TargetToken}. */
class DdiPollTests extends ApiTest {

    @Autowired
    private DeviceListener listener;

    @Test
    void deviceKeyPollsItsBaseResourceByIdOrSerial() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), Map.of("name", "gw", "device_type", "gateway", "serial", "SN-DDI-1"))
                .path("id").asString();
        String key = api.post(t.admin(), "/api/v1/devices/" + id + "/device-key/rotate", Map.of()).expect(200)
                .path("device_key").asString();
        DevicePort port = new DevicePort(api, listener.port());
        Map<String, String> auth = Map.of("Authorization", "TargetToken " + key, "Accept", "application/hal+json");

        Reply byId = port.call("GET", "/" + t.id() + "/controller/v1/" + id, auth, null);
        JsonNode body = byId.expect(200);
        assertThat(byId.header("Content-Type")).startsWith("application/hal+json");
        assertThat(body.path("config").path("polling").path("sleep").asString()).isEqualTo("00:05:00");
        assertThat(body.path("_links").isObject()).isTrue();
        assertThat(body.path("_links").propertyNames()).containsExactly("configData");
        port.call("GET", "/" + t.name() + "/controller/v1/SN-DDI-1", auth, null).expect(200);

        port.call("GET", "/" + t.id() + "/controller/v1/SN-OTHER", auth, null).expectProblem(404, "NOT_FOUND");
        port.call("GET", "/DEFAULT/controller/v1/" + id, auth, null).expectProblem(404, "NOT_FOUND");
        port.call("GET", "/" + t.id() + "/controller/v1/" + id, Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
        port.call("GET", "/" + t.id() + "/controller/v1/" + id, Map.of("Authorization", "TargetToken nope"), null)
                .expectProblem(401, "UNAUTHENTICATED");
        api.call("GET", "/" + t.id() + "/controller/v1/" + id).header("Authorization", "TargetToken " + key).send()
                .expectProblem(404, "NOT_FOUND"); // not on the management port
    }

    @Test
    void anotherTenantsDeviceCannotPollAsThisTenant() {
        TestTenant a = newTenant();
        TestTenant b = newTenant();
        String id = createDevice(b.admin(), device("gw")).path("id").asString();
        String key = api.post(b.admin(), "/api/v1/devices/" + id + "/device-key/rotate", Map.of()).expect(200)
                .path("device_key").asString();
        new DevicePort(api, listener.port()).call("GET", "/" + a.id() + "/controller/v1/" + id,
                Map.of("Authorization", "TargetToken " + key), null).expectProblem(404, "NOT_FOUND");
    }
}
