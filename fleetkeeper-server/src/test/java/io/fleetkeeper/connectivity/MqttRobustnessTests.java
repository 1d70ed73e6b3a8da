package io.fleetkeeper.connectivity;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Hostile and broken clients over real TLS: each must lose only its own connection, quickly, while a
 * well-behaved device on the same endpoint stays connected and served.
 */
class MqttRobustnessTests extends ApiTest {

    @Autowired
    private MqttEndpoint endpoint;

    private MqttDevices devices;
    private KeyDevice device;
    private Mqtt5BlockingClient bystander;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        TestTenant t = newTenant();
        device = devices.keyDevice(t, "target");
        KeyDevice other = devices.keyDevice(t, "bystander");
        bystander = MqttClient.builder().useMqttVersion5().identifier(other.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
        bystander.connectWith().simpleAuth().username(other.id()).password(other.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
    }

    @AfterEach
    void bystanderIsUnharmed() {
        assertThat(bystander.getState().isConnected()).isTrue();
        bystander.subscribeWith().topicFilter("fk/" + bystander.getConfig().getClientIdentifier().get()
                + "/still/here").qos(MqttQos.AT_LEAST_ONCE).send();
        bystander.disconnect();
    }

    @Test
    void garbageInsteadOfConnectClosesTheConnection() throws Exception {
        try (SSLSocket s = socket()) {
            byte[] junk = new byte[64];
            Arrays.fill(junk, (byte) 0xFF);
            s.getOutputStream().write(junk);
            assertClosed(s, 5_000);
        }
    }

    @Test
    void connectWithTheReservedFlagSetIsRejected() throws Exception {
        byte[] connect = encode(connect(device, 30));
        // Byte 9 of a 3.1.1 CONNECT is the connect-flags byte; bit 0 is reserved and must be 0.
        connect[9] |= 0x01;
        try (SSLSocket s = socket()) {
            s.getOutputStream().write(connect);
            assertClosed(s, 5_000);
        }
    }

    @Test
    void subscribeWithReservedFixedHeaderFlagsCloses() throws Exception {
        try (SSLSocket s = connected()) {
            byte[] sub = encode(MqttMessageBuilders.subscribe().messageId(1)
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "fk/" + device.id() + "/a").build());
            sub[0] = (byte) 0x80; // SUBSCRIBE must carry flags 0010
            s.getOutputStream().write(sub);
            assertClosed(s, 5_000);
        }
    }

    @Test
    void aSecondConnectCloses() throws Exception {
        try (SSLSocket s = connected()) {
            s.getOutputStream().write(encode(connect(device, 30)));
            assertClosed(s, 5_000);
        }
    }

    @Test
    void anOversizedPacketCloses() throws Exception {
        try (SSLSocket s = connected()) {
            byte[] big = new byte[200 * 1024];
            try {
                s.getOutputStream().write(encode(MqttMessageBuilders.publish().topicName("fk/" + device.id() + "/t")
                        .qos(MqttQoS.AT_MOST_ONCE).payload(io.netty.buffer.Unpooled.wrappedBuffer(big)).build()));
            } catch (java.net.SocketException reset) {
                return; // closed while the rest was still being sent: the server stopped reading at the header
            }
            assertClosed(s, 5_000);
        }
    }

    @Test
    void invalidUtf8InATopicCloses() throws Exception {
        try (SSLSocket s = connected()) {
            // PUBLISH QoS 0, topic of 3 bytes: 'a', then an invalid two-byte sequence 0xC3 0x28.
            s.getOutputStream().write(new byte[] {0x30, 6, 0, 3, 'a', (byte) 0xC3, 0x28, 'x'});
            assertClosed(s, 5_000);
        }
    }

    @Test
    void aSubscriptionWithTensOfThousandsOfLevelsIsRefusedQuickly() throws Exception {
        try (SSLSocket s = connected()) {
            String filter = "fk/" + device.id() + "/" + "/".repeat(60_000) + "x";
            long start = System.nanoTime();
            s.getOutputStream().write(encode(MqttMessageBuilders.subscribe().messageId(7)
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, filter).build()));
            int[] reply = readSome(s, 5);
            // SUBACK for packet 7 with the 3.1.1 failure code 0x80.
            assertThat(reply).containsExactly(0x90, 3, 0, 7, 0x80);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
        }
    }

    @Test
    void aSocketThatNeverSendsConnectIsClosed() throws Exception {
        try (SSLSocket s = socket()) {
            long start = System.nanoTime();
            assertClosed(s, 8_000);
            // fleetkeeper.mqtt.connect-timeout is 3 s in tests.
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(2_500L, 6_000L);
        }
    }

    @Test
    void aSilentClientIsClosedAfterOneAndAHalfKeepAlives() throws Exception {
        try (SSLSocket s = socket()) {
            s.getOutputStream().write(encode(connect(device, 1)));
            assertThat(readSome(s, 4)).containsExactly(0x20, 2, 0, 0);
            long start = System.nanoTime();
            assertClosed(s, 5_000);
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(1_000L, 3_000L);
        }
    }

    @Test
    void publishingFasterThanTheRateLimitDisconnects() throws Exception {
        try (SSLSocket s = connected()) {
            byte[] one = encode(MqttMessageBuilders.publish().topicName("fk/" + device.id() + "/telemetry")
                    .qos(MqttQoS.AT_MOST_ONCE).payload(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {1})).build());
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 300; i++) {
                burst.write(one);
            }
            s.getOutputStream().write(burst.toByteArray());
            assertClosed(s, 5_000);
        }
    }

    // --- raw client ----------------------------------------------------------------------------------

    private SSLSocket socket() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, devices.trustManagers().getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", endpoint.port());
        s.startHandshake();
        return s;
    }

    /** A raw connection past CONNACK (3.1.1, device key, keep-alive 30 s). */
    private SSLSocket connected() throws Exception {
        SSLSocket s = socket();
        s.getOutputStream().write(encode(connect(device, 30)));
        assertThat(readSome(s, 4)).containsExactly(0x20, 2, 0, 0);
        return s;
    }

    private static MqttMessage connect(KeyDevice d, int keepAlive) {
        return MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId(d.id())
                .cleanSession(true).keepAlive(keepAlive).username(d.id())
                .password(d.key().getBytes(StandardCharsets.UTF_8)).build();
    }

    private static byte[] encode(MqttMessage m) {
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.INSTANCE);
        ch.writeOutbound(m);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        ch.finishAndReleaseAll();
        return out.toByteArray();
    }

    private static int[] readSome(SSLSocket s, int n) throws IOException {
        s.setSoTimeout(5_000);
        InputStream in = s.getInputStream();
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            b[i] = in.read();
        }
        return b;
    }

    /** Reads until the server closes; fails if it has not within {@code millis}. */
    private static void assertClosed(SSLSocket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            InputStream in = s.getInputStream();
            while (System.nanoTime() < deadline) {
                if (in.read() < 0) {
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + millis + " ms");
        } catch (IOException closed) {
            return;
        }
        throw new AssertionError("the server did not close the connection within " + millis + " ms");
    }
}
