package io.fleetkeeper.secrets;

import static io.fleetkeeper.secrets.DeviceSecretApiTests.generated;
import static io.fleetkeeper.secrets.DeviceSecretApiTests.secrets;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.OpenApiContract;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Secret and certificate-profile replies conform to the OpenAPI documents the server serves. */
class SecretOpenApiTests extends ApiTest {

    @Autowired
    private DeviceListener listener;

    @Test
    void secretAndProfileRepliesConform() throws Exception {
        OpenApiContract management = new OpenApiContract(api.get(null, "/v3/api-docs").expect(200).toString());
        OpenApiContract device = new OpenApiContract(api.get(null, "/v3/api-docs/device").expect(200).toString());
        TestTenant t = newTenant();
        KeyDevice d = new MqttDevices(api).keyDevice(t, "gw");
        String path = secrets(d.id());
        Map<String, Object> readable = generated("wifi", "TOKEN");
        readable.put("device_readable", true);
        readable.put("description", "site wifi");
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        List<Reply> replies = new ArrayList<>(List.of(
                api.post(t.admin(), path, readable),
                api.post(t.admin(), path, generated("admin", "SSH_KEY")),
                api.get(t.admin(), path),
                api.get(t.admin(), path + "/wifi"),
                api.post(t.admin(), path + "/wifi/rotate", Map.of("generate", true)),
                api.post(t.admin(), path + "/admin/revoke", null),
                api.patch(t.admin(), path + "/wifi", Map.of("description", ""), null),
                api.post(t.admin(), path, Map.of("slot", "x", "type", "TOKEN")),
                api.get(t.admin(), path + "/missing"),
                api.post(t.admin(), "/api/v1/devices/" + d.id() + "/certificates", Map.of("csr",
                        Csrs.csrPem(Csrs.p256()), "slot", "https", "profile", "tls-server", "dns_names",
                        List.of("gw.example")))));
        replies.add(api.delete(t.admin(), path + "/admin"));
        assertThat(replies).extracting(Reply::status).containsExactly(201, 201, 200, 200, 200, 200, 200, 400, 404,
                201, 204);
        List<String> violations = new ArrayList<>();
        replies.forEach(r -> violations.addAll(management.violations(r)));

        Reply read = new DevicePort(api, listener.port()).call("GET", "/device/v1/secrets/wifi",
                Map.of("X-Device-Key", d.key()), null);
        assertThat(read.status()).isEqualTo(200);
        violations.addAll(device.violations(read));
        assertThat(violations).as("replies that contradict the OpenAPI documents").isEmpty();
    }
}
