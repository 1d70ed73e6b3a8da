package io.fleetkeeper.secrets;

import static io.fleetkeeper.secrets.DeviceSecretApiTests.generated;
import static io.fleetkeeper.secrets.DeviceSecretApiTests.secrets;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** A device reads its own {@code device_readable} secrets on the device listener over TLS, and nothing else. */
class DeviceSecretDeviceTests extends ApiTest {

    @Autowired
    private DeviceListener listener;

    @Test
    void aDeviceReadsTheActiveValueOfItsReadableSlotOnly() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        TestTenant t = newTenant();
        KeyDevice d = devices.keyDevice(t, "meter");
        KeyDevice neighbour = devices.keyDevice(t, "meter");
        Map<String, Object> readable = generated("mqtt-bridge", "TOKEN");
        readable.put("device_readable", true);
        String value = api.post(t.admin(), secrets(d.id()), readable).expect(201).path("value").asString();
        api.post(t.admin(), secrets(d.id()), generated("hidden", "TOKEN")).expect(201);

        DevicePort port = new DevicePort(api, listener.port());
        Map<String, String> key = Map.of("X-Device-Key", d.key());
        var reply = port.call("GET", "/device/v1/secrets/mqtt-bridge", key, null);
        JsonNode read = reply.expect(200);
        assertThat(read.path("value").asString()).isEqualTo(value);
        assertThat(read.path("version").asInt()).isEqualTo(1);
        assertThat(reply.header("Cache-Control")).contains("no-store");
        port.call("GET", "/device/v1/secrets/hidden", key, null).expectProblem(404, "NOT_FOUND");
        port.call("GET", "/device/v1/secrets/mqtt-bridge", Map.of("X-Device-Key", neighbour.key()), null)
                .expectProblem(404, "NOT_FOUND");
        port.call("GET", "/device/v1/secrets/mqtt-bridge", Map.of(), null).expectProblem(401, "UNAUTHENTICATED");

        String next = api.post(t.admin(), secrets(d.id()) + "/mqtt-bridge/rotate", Map.of("generate", true))
                .expect(200).path("value").asString();
        JsonNode rotated = port.call("GET", "/device/v1/secrets/mqtt-bridge", key, null).expect(200);
        assertThat(rotated.path("value").asString()).isEqualTo(next);
        assertThat(rotated.path("version").asInt()).isEqualTo(2);

        var current = api.get(t.admin(), secrets(d.id()) + "/mqtt-bridge");
        api.call("PATCH", secrets(d.id()) + "/mqtt-bridge").token(t.admin()).header("If-Match", "\"1\"")
                .body(Map.of("device_readable", false)).send().expectProblem(412, "PRECONDITION_FAILED");
        JsonNode hidden = api.patch(t.admin(), secrets(d.id()) + "/mqtt-bridge", Map.of("device_readable", false),
                current.etag()).expect(200);
        assertThat(hidden.path("device_readable").asBoolean()).isFalse();
        assertThat(hidden.path("latest_version").asInt()).as("settings add no version").isEqualTo(2);
        port.call("GET", "/device/v1/secrets/mqtt-bridge", key, null).expectProblem(404, "NOT_FOUND");
        api.patch(t.admin(), secrets(d.id()) + "/mqtt-bridge", Map.of("device_readable", true), null).expect(200);
        port.call("GET", "/device/v1/secrets/mqtt-bridge", key, null).expect(200);
        assertThat(api.get(t.admin(), "/api/v1/audit").expect(200).toString()).contains("secret.update");

        api.post(t.admin(), secrets(d.id()) + "/mqtt-bridge/revoke", null).expect(200);
        port.call("GET", "/device/v1/secrets/mqtt-bridge", key, null).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void theManagementPortDoesNotServeTheDevicePath() {
        api.get(null, "/device/v1/secrets/x").expectProblem(404, "NOT_FOUND");
    }
}
