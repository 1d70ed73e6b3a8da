package io.fleetkeeper.connectivity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.ProxyHeaders;
import io.fleetkeeper.testing.TestTenant;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The MQTT endpoint behind a TCP load balancer that sends the PROXY protocol (from {@link #PROXY_ADDRESS}): the
 * connection's {@code remote_address} is the device's from the header, and the balancer must send one.
 */
class MqttProxyProtocolTests extends ApiTest {

    @Autowired
    private MqttEndpoint endpoint;

    @Test
    void theConnectionStateShowsTheDeviceAddressFromTheHeader() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        TestTenant t = newTenant();
        KeyDevice d = devices.keyDevice(t, "behind-proxy");
        String source = "198.18." + ThreadLocalRandom.current().nextInt(256) + ".9";

        try (SSLSocket s = tls(devices, ProxyHeaders.connect(PROXY_ADDRESS, endpoint.port(), source))) {
            s.getOutputStream().write(encode(d));
            s.setSoTimeout(5_000);
            InputStream in = s.getInputStream();
            assertThat(new int[] {in.read(), in.read(), in.read(), in.read()}).as("CONNACK accepted")
                    .containsExactly(0x20, 2, 0, 0);
            Await.until(Duration.ofSeconds(10), "the connection state written", () -> api.get(t.admin(),
                    "/api/v1/devices/" + d.id() + "/connection").expect(200).path("remote_address").asString(""),
                    a -> a.startsWith(source + ":"));
        }
    }

    @Test
    void aConnectionFromTheBalancerWithoutAHeaderIsClosed() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        assertThatThrownBy(() -> tls(devices, ProxyHeaders.connect(PROXY_ADDRESS, endpoint.port(), null)))
                .as("the TLS handshake of a connection from the balancer that skipped the header")
                .isInstanceOf(java.io.IOException.class);
    }

    private SSLSocket tls(MqttDevices devices, Socket tcp) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, devices.trustManagers().getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(tcp, "localhost", endpoint.port(), true);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static byte[] encode(KeyDevice d) {
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.INSTANCE);
        ch.writeOutbound(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId(d.id())
                .cleanSession(true).keepAlive(30).username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .build());
        ByteBuf b = ch.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(b);
        b.release();
        ch.finishAndReleaseAll();
        return bytes;
    }
}
