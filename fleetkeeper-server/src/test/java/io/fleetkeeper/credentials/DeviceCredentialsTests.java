package io.fleetkeeper.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * One credential cache for every device-facing path: what the HTTPS device listener authenticated is what the
 * MQTT endpoint finds cached, and a rotation, suspension or revocation made through the management API drops it
 * at once, so the next HTTPS call is refused too.
 */
class DeviceCredentialsTests extends ApiTest {

    @Autowired
    private DeviceCredentials credentials;
    @Autowired
    private DeviceListener listener;

    private MqttDevices devices;
    private TestTenant tenant;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
    }

    @Test
    void aKeyAuthenticatedOverHttpsIsCachedAndARotationDropsIt() {
        KeyDevice d = devices.keyDevice(tenant, "meter-1");
        DevicePort port = new DevicePort(api, listener.port());
        assertThat(credentials.cachedKey(d.key())).isNull();
        shadow(port, d.key()).expectProblem(404, "NOT_FOUND"); // authenticated: the device has no shadow yet
        assertThat(credentials.cachedKey(d.key())).isNotNull().satisfies(a -> {
            assertThat(a.deviceId().toString()).isEqualTo(d.id());
            assertThat(a.method()).isEqualTo(AuthenticatedDevice.Method.DEVICE_KEY);
        });

        String next = api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/device-key/rotate", Map.of())
                .expect(200).path("device_key").asString();
        assertThat(credentials.cachedKey(d.key())).isNull();
        shadow(port, d.key()).expectProblem(401, "UNAUTHENTICATED");
        shadow(port, next).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void suspendingTheDeviceDropsItsCachedKeyAndHttpsRefusesAtOnce() {
        KeyDevice d = devices.keyDevice(tenant, "meter-2");
        DevicePort port = new DevicePort(api, listener.port());
        shadow(port, d.key()).expectProblem(404, "NOT_FOUND");
        api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/suspend", Map.of()).expect(200);
        assertThat(credentials.cachedKey(d.key())).isNull();
        shadow(port, d.key()).expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void aCertificateAuthenticatedOverHttpsIsCachedAndRevocationDropsIt() throws Exception {
        devices.cas(tenant);
        CertDevice d = devices.certDevice(tenant, "pump-1");
        DevicePort port = new DevicePort(api, listener.port(), d.key(), d.chain());
        port.call("GET", "/device/v1/shadow", Map.of(), null).expectProblem(404, "NOT_FOUND");
        assertThat(credentials.cachedCertificate(d.chain()[0])).isNotNull()
                .satisfies(a -> assertThat(a.certificateId().toString()).isEqualTo(d.certificateId()));

        api.post(tenant.admin(), "/api/v1/certificates/" + d.certificateId() + "/revoke",
                Map.of("reason", "keyCompromise")).expect(200);
        assertThat(credentials.cachedCertificate(d.chain()[0])).isNull();
        port.call("GET", "/device/v1/shadow", Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
    }

    private static io.fleetkeeper.testing.Reply shadow(DevicePort port, String key) {
        return port.call("GET", "/device/v1/shadow", Map.of("X-Device-Key", key), null);
    }
}
