package io.fleetkeeper.connectivity.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.pki.Pem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client certificate chain of a native TLS session is let go once the CONNECT is decided: a real TLS 1.3
 * handshake (BoringSSL on both ends, the client presenting a certificate) between two pipelines without sockets,
 * the server's being the endpoint's (TLS, MQTT codec, {@link MqttConnectHandler}).
 */
class PeerCertificatesTests {

    final MqttHandlerTests fixture = new MqttHandlerTests();

    final SelfSignedCertificate device = selfSigned();
    final SslContext serverTls = tls(SslContextBuilder.forServer(device.key(), device.cert())
            .clientAuth(ClientAuth.REQUIRE));
    final SslContext clientTls = tls(SslContextBuilder.forClient().keyManager(device.key(), device.cert()));
    EmbeddedChannel server;
    EmbeddedChannel client;

    @AfterEach
    void close() {
        for (EmbeddedChannel ch : new EmbeddedChannel[] {server, client}) {
            if (ch != null) {
                ch.finishAndReleaseAll();
            }
        }
    }

    @Test
    void anAcceptedCertificateConnectionKeepsTheFingerprintButNotTheChain() throws Exception {
        fixture.credentials.certificates.put(Pem.fingerprint(device.cert()), new AuthenticatedDevice(MqttHandlerTests.TENANT, MqttHandlerTests.DEVICE,
                AuthenticatedDevice.Method.CERTIFICATE, null, null));
        handshake();
        SslHandler tls = server.pipeline().get(SslHandler.class);
        assertThat(tls.engine().getSession().getPeerCertificates()).as("after the handshake").hasSize(1);

        client.writeOutbound(certificateConnect());
        pump();

        assertThat(received(client)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        var session = (MqttSessionHandler) server.pipeline().get(MqttEndpoint.HANDLER);
        assertThat(session.fingerprint()).isEqualTo(Pem.fingerprint(device.cert()));
        assertThat(session.info().authentication()).isEqualTo(MqttAccess.CERTIFICATE);
        assertThatThrownBy(() -> tls.engine().getSession().getPeerCertificates())
                .isInstanceOf(SSLPeerUnverifiedException.class);
        assertThat(server.isOpen()).isTrue();
    }

    @Test
    void theConnackLeavesWithTheSessionTicketsInOneWrite() throws Exception {
        fixture.credentials.certificates.put(Pem.fingerprint(device.cert()), new AuthenticatedDevice(
                MqttHandlerTests.TENANT, MqttHandlerTests.DEVICE, AuthenticatedDevice.Method.CERTIFICATE, null, null));
        handshake();
        assertThat(server.pipeline().get(FirstWriteAfterHandshake.class)).as("in place until the first write").isNotNull();
        client.writeOutbound(certificateConnect());
        carry(client, server);

        // BoringSSL sends its TLS 1.3 tickets with the first write: Netty alone took ~40 writes of ~26 bytes
        List<Integer> writes = new ArrayList<>();
        for (Object o; (o = server.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            if (b.isReadable()) {
                writes.add(b.readableBytes());
            }
            client.writeInbound(b);
        }
        assertThat(writes).as("bytes of each non-empty write").hasSize(1);
        assertThat(writes.get(0)).as("two tickets and the CONNACK's record").isGreaterThan(500);
        assertThat(received(client)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(server.pipeline().get(FirstWriteAfterHandshake.class)).as("out after the first write").isNull();

        client.writeOutbound(io.netty.handler.codec.mqtt.MqttMessage.PINGREQ); // later writes: the TLS handler's
        pump();
        assertThat(client.<Object>readInbound()).isInstanceOf(io.netty.handler.codec.mqtt.MqttMessage.class)
                .extracting(m -> ((io.netty.handler.codec.mqtt.MqttMessage) m).fixedHeader().messageType())
                .isEqualTo(io.netty.handler.codec.mqtt.MqttMessageType.PINGRESP);
    }

    @Test
    void aResumedTlsSessionIsTheDeviceOfItsCertificateAndStillCheckedAtConnect() throws Exception {
        String fingerprint = Pem.fingerprint(device.cert());
        fixture.credentials.certificates.put(fingerprint, new AuthenticatedDevice(MqttHandlerTests.TENANT,
                MqttHandlerTests.DEVICE, AuthenticatedDevice.Method.CERTIFICATE, null, null));
        handshake(true); // a full handshake; the CONNACK carries the session tickets
        assertThat(resumed()).isFalse();
        client.writeOutbound(certificateConnect());
        pump();
        assertThat(received(client)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        close();

        handshake(true); // the same client again: it resumes, and presents no certificate in this handshake
        assertThat(resumed()).as("TLS 1.3 resumption with the ticket").isTrue();
        client.writeOutbound(certificateConnect());
        pump();
        assertThat(received(client)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        var session = (MqttSessionHandler) server.pipeline().get(MqttEndpoint.HANDLER);
        assertThat(session.fingerprint()).as("the certificate of the resumed session").isEqualTo(fingerprint);
        close();

        fixture.credentials.certificates.remove(fingerprint); // revoked, say: the store no longer admits it
        handshake(true);
        assertThat(resumed()).isTrue();
        client.writeOutbound(certificateConnect());
        pump();
        assertThat(received(client)).as("a resumed session is checked at CONNECT as a full handshake is")
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat(server.isOpen()).isFalse();
    }

    @Test
    void aRefusedCertificateConnectionIsClosedWithItsChainUntouched() throws Exception {
        handshake(); // no such certificate in the store
        var tlsSession = server.pipeline().get(SslHandler.class).engine().getSession();
        client.writeOutbound(certificateConnect());
        pump();

        assertThat(received(client))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat(server.isOpen()).isFalse();
        assertThat(tlsSession.getPeerCertificates()).as("released only for an accepted session").hasSize(1);
    }

    @Test
    void releaseAnswersWhetherItCouldRelease() throws Exception {
        handshake();
        SslHandler tls = server.pipeline().get(SslHandler.class);

        assertThat(PeerCertificates.release(tls.engine())).as("Netty's native session, as pinned").isTrue();
        assertThatThrownBy(() -> tls.engine().getSession().getPeerCertificates())
                .isInstanceOf(SSLPeerUnverifiedException.class);
        var jdk = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build().newEngine(client.alloc());
        assertThat(PeerCertificates.release(jdk)).as("the JDK's engine is left alone").isFalse();
    }

    // ---- fixture --------------------------------------------------------------------------------------

    void handshake() throws Exception {
        handshake(false);
    }

    /** A TLS handshake between a new client and server channel; {@code resumable}: the client keeps sessions. */
    void handshake(boolean resumable) throws Exception {
        server = fixture.channel();
        server.pipeline().addFirst("tls", serverTls.newHandler(server.alloc()));
        server.pipeline().addAfter("tls", "decoder", new MqttDecoder(65536, 64, true))
                .addAfter("decoder", "encoder", MqttEncoder.INSTANCE);
        FirstWriteAfterHandshake.install(server.pipeline()); // as the endpoint's pipeline
        client = new EmbeddedChannel(resumable
                ? clientTls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, "device.test", 8883)
                : clientTls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT),
                new MqttDecoder(), MqttEncoder.INSTANCE);
        pump();
        assertThat(client.pipeline().get(SslHandler.class).handshakeFuture().isSuccess()).isTrue();
    }

    /** Whether the server's side of the current connection resumed a session. */
    boolean resumed() {
        var engine = (io.netty.handler.ssl.ReferenceCountedOpenSslEngine) server.pipeline().get(SslHandler.class)
                .engine();
        return io.netty.internal.tcnative.SSL.isSessionReused(engine.sslPointer());
    }

    /** Carries the bytes each side wrote to the other until neither has more. */
    void pump() {
        for (boolean moved = true; moved; ) {
            moved = carry(client, server) | carry(server, client);
        }
    }

    static boolean carry(EmbeddedChannel from, EmbeddedChannel to) {
        boolean any = false;
        for (Object o; (o = from.readOutbound()) != null; ) {
            if (to.isOpen()) {
                to.writeInbound((ByteBuf) o);
            } else {
                ((ByteBuf) o).release();
            }
            any = true;
        }
        to.runPendingTasks();
        return any;
    }

    /** The return code of the CONNACK the client received. */
    static MqttConnectReturnCode received(EmbeddedChannel client) {
        Object in = client.readInbound();
        assertThat(in).isInstanceOf(io.netty.handler.codec.mqtt.MqttConnAckMessage.class);
        return ((io.netty.handler.codec.mqtt.MqttConnAckMessage) in).variableHeader().connectReturnCode();
    }

    static io.netty.handler.codec.mqtt.MqttMessage certificateConnect() {
        return io.netty.handler.codec.mqtt.MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(MqttHandlerTests.DEVICE.toString()).cleanSession(true).keepAlive(30).build();
    }

    private static SelfSignedCertificate selfSigned() {
        try {
            return new SelfSignedCertificate("device.test", "EC", 256);
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SslContext tls(SslContextBuilder builder) {
        assertThat(OpenSsl.isAvailable()).as("BoringSSL (netty-tcnative) on this machine").isTrue();
        try {
            return builder.sslProvider(SslProvider.OPENSSL).protocols("TLSv1.3")
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }
}
