package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Devices download firmware artifacts on the device listener over TLS, resuming with {@code Range}. */
class FirmwareDeviceTests extends ApiTest {

    private static final String CONTENT = "firmware image ".repeat(4000); // 60,000 ASCII bytes

    @Autowired
    private DeviceListener listener;

    private TestTenant tenant;
    private MqttDevices devices;

    @BeforeEach
    void setUp() throws Exception {
        tenant = newTenant();
        devices = new MqttDevices(api);
    }

    private String artifactPath() {
        String id = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "1.0"))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + id + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString(CONTENT)).send().expect(201);
        return "/device/v1/firmware/" + id + "/artifacts/os.swu";
    }

    @Test
    void deviceDownloadsAndResumesAnArtifactWithItsKey() {
        String path = artifactPath();
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        DevicePort port = new DevicePort(api, listener.port());
        Map<String, String> key = Map.of("X-Device-Key", d.key());

        Reply whole = port.call("GET", path, key, null);
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(CONTENT);
        assertThat(whole.header("Content-Length")).isEqualTo(String.valueOf(CONTENT.length()));
        String etag = whole.etag();
        assertThat(etag).hasSize(66);

        // The transfer broke after 25,000 bytes: the device asks for the rest, guarded by the ETag.
        Reply rest = port.call("GET", path, Map.of("X-Device-Key", d.key(), "Range", "bytes=25000-",
                "If-Range", etag), null);
        assertThat(rest.status()).isEqualTo(206);
        assertThat(rest.header("Content-Range")).isEqualTo("bytes 25000-59999/60000");
        assertThat(rest.body()).isEqualTo(CONTENT.substring(25_000));
        Reply past = port.call("GET", path, Map.of("X-Device-Key", d.key(), "Range", "bytes=60000-"), null);
        past.expectProblem(416, "RANGE_NOT_SATISFIABLE");

        List<JsonNode> downloads = api.get(tenant.admin(), "/api/v1/audit?limit=50").expect(200).path("items")
                .valueStream().filter(e -> e.path("action").asString().equals("firmware.artifact.download")).toList();
        assertThat(downloads).as("the whole download is audited, the resumed range is not").hasSize(1);
        assertThat(downloads.getFirst().path("actor").asString()).isEqualTo("device:" + d.id());
    }

    @Test
    void otherTenantsDevicesAndStrangersCannotDownload() {
        String path = artifactPath();
        TestTenant other = newTenant();
        KeyDevice stranger = devices.keyDevice(other, "gw-2");
        DevicePort port = new DevicePort(api, listener.port());
        port.call("GET", path, Map.of("X-Device-Key", stranger.key()), null).expectProblem(404, "NOT_FOUND");
        port.call("GET", path, Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
        port.call("GET", path, Map.of("X-Device-Key", "fkd_not-a-key"), null).expectProblem(401, "UNAUTHENTICATED");
        api.get(tenant.admin(), path).expectProblem(404, "NOT_FOUND"); // not on the management port
    }
}
