package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.ProxyHeaders;
import io.fleetkeeper.testing.RawHttp;
import io.fleetkeeper.testing.TestTenant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The device listener behind a TCP load balancer that sends the PROXY protocol (from {@link #PROXY_ADDRESS}): the
 * header's source address is the device's (what provenance, audit and the per-address limit of failed attempts
 * see), and the balancer must send it.
 */
class ProxyProtocolTests extends ApiTest {

    @Autowired
    DeviceListener listener;

    @Test
    void theDeviceAddressComesFromTheProxyHeader() {
        TestTenant t = newTenant();
        String key = api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "behind-proxy")).expect(201)
                .path("key").asString();
        String device = randomAddress();
        DevicePort port = new DevicePort(api, listener.port());

        RawHttp.Response registered = port.raw(() -> connect(device)).send(registration(key));

        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        String id = registered.json().path("device_id").asString();
        assertThat(api.get(t.admin(), "/api/v1/devices/" + id + "/provenance").expect(200).path("remote_addr")
                .asString()).isEqualTo(device);
    }

    @Test
    void withoutTheHeaderTheAddressIsThePeers() {
        TestTenant t = newTenant();
        String key = api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "direct")).expect(201)
                .path("key").asString();
        DevicePort port = new DevicePort(api, listener.port());

        RawHttp.Response registered = port.raw().send(registration(key)); // from 127.0.0.1, not a listed proxy

        String id = registered.json().path("device_id").asString();
        assertThat(api.get(t.admin(), "/api/v1/devices/" + id + "/provenance").expect(200).path("remote_addr")
                .asString()).isEqualTo("127.0.0.1");
    }

    @Test
    void aConnectionFromTheProxyWithoutAHeaderIsClosedAtOnce() throws Exception {
        try (Socket s = connect(null)) { // bytes that are not a header: the start of a TLS record
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00});
            assertThat(closedByPeer(s)).as("closed by the listener, not left open until the client gives up")
                    .isTrue();
        }
        DevicePort port = new DevicePort(api, listener.port());
        assertThatThrownBy(() -> port.raw(() -> connect(null)).send(registration("fkp_wrong")))
                .as("TLS over a connection from the balancer that skipped the header")
                .isInstanceOf(UncheckedIOException.class)
                .cause().isNotInstanceOf(SocketTimeoutException.class);
    }

    /** Whether the peer closed (or reset) the connection before the socket's read timeout. */
    private static boolean closedByPeer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset: the listener closed with our bytes unread
        }
    }

    private static String registration(String key) {
        String body = "{\"name\":\"behind-proxy\",\"type\":\"gateway\"}";
        return "POST /device/v1/register HTTP/1.1\r\nHost: localhost\r\nX-Provisioning-Key: " + key
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
    }

    private Socket connect(String source) {
        return ProxyHeaders.connect(PROXY_ADDRESS, listener.port(), source);
    }

    private static String randomAddress() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "198.18." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }
}
