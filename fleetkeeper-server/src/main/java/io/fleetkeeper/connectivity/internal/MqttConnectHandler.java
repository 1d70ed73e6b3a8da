package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.connectivity.MqttAccess.Decision;
import io.fleetkeeper.connectivity.MqttAccess.Granted;
import io.fleetkeeper.connectivity.MqttAccess.Refused;
import io.fleetkeeper.connectivity.internal.ConnAcks.Rejection;
import io.fleetkeeper.pki.Pem;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a device connection, up to the CONNACK: reads the CONNECT, checks the protocol
 * version, authenticates (from memory when the credential is cached, else on a blocking thread while reading is
 * paused), validates the will and refuses with the CONNACK code of the client's version. Accepted, it replaces
 * itself in the pipeline with a {@link MqttSessionHandler} under the same name. A socket that completes no
 * CONNECT within the connect timeout, or sends anything else first, is closed.
 */
final class MqttConnectHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(MqttConnectHandler.class);

    private enum State { AWAIT_CONNECT, AUTHENTICATING, ACCEPTED, CLOSED }

    private final MqttEndpointContext ctx;
    private final String connectionId = UUID.randomUUID().toString();
    private ChannelHandlerContext channel;
    private State state = State.AWAIT_CONNECT;
    private boolean closing;
    private boolean v5;
    private ScheduledFuture<?> connectTimer;

    MqttConnectHandler(MqttEndpointContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        this.channel = c;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) throws Exception {
        connectTimer = c.executor().schedule(() -> {
            if (state == State.AWAIT_CONNECT || state == State.AUTHENTICATING) {
                close("connect timeout");
            }
        }, ctx.props().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        super.channelActive(c);
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (msg instanceof MqttMessage m && state != State.CLOSED && !closing) {
                read(m);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void read(MqttMessage m) {
        if (m.decoderResult().isFailure()) {
            Throwable cause = m.decoderResult().cause();
            if (state == State.AWAIT_CONNECT && cause instanceof MqttUnacceptableProtocolVersionException) {
                reject(ConnAcks.unacceptableVersion(""));
            } else {
                close("malformed packet: " + (cause == null ? null : cause.getMessage()));
            }
            return;
        }
        MqttMessageType type = m.fixedHeader().messageType();
        if (type == MqttMessageType.CONNECT && state == State.AWAIT_CONNECT) {
            connect((MqttConnectMessage) m);
        } else {
            close("protocol error: " + type + " before CONNECT was accepted");
        }
    }

    private void connect(MqttConnectMessage m) {
        ConnectRequest r = ConnectRequest.of(m);
        v5 = r.v5();
        if (!r.supportedVersion()) {
            reject(ConnAcks.unacceptableVersion(" " + r.version()));
            return;
        }
        if (r.enhancedAuthentication()) {
            reject(ConnAcks.refused(new Refused(MqttAccess.Refusal.BAD_CREDENTIALS,
                    "enhanced authentication is not supported"), v5));
            return;
        }
        X509Certificate[] chain = peerChain();
        String presented = chain != null ? Pem.fingerprint(chain[0]) : null;
        MqttAccess access = ctx.access();
        Decision cached = chain != null ? access.cachedCertificate(presented, r.clientId(), r.username())
                : access.cachedKey(r.clientId(), r.username(), r.password());
        long startedAt = ctx.clock().millis();
        if (cached != null) {
            decided(cached, r, startedAt, presented);
            return;
        }
        state = State.AUTHENTICATING;
        channel.channel().config().setAutoRead(false);
        Executor loop = channel.executor();
        ctx.blocking().execute(() -> {
            Decision d = authenticate(chain, presented, r);
            loop.execute(() -> {
                if (state != State.AUTHENTICATING) {
                    return;
                }
                if (d == null) {
                    reject(ConnAcks.serverUnavailable(v5));
                    return;
                }
                decided(d, r, startedAt, presented);
                channel.channel().config().setAutoRead(true);
            });
        });
    }

    /** On a blocking thread: the store's decision, or null when it could not be asked. */
    private Decision authenticate(X509Certificate[] chain, String fingerprint, ConnectRequest r) {
        try {
            return chain != null ? ctx.access().authenticateCertificate(parsedCopies(chain), fingerprint,
                    r.clientId(), r.username()) : ctx.access().authenticateKey(r.clientId(), r.username(), r.password());
        } catch (RuntimeException | CertificateException e) {
            return null;
        }
    }

    /**
     * Private copies of the TLS session's certificates, parsed from their DER. With native TLS the session's own
     * certificate objects parse lazily and keep what they parsed for as long as the connection lives (about 8 KB
     * of heap for a P-256 leaf); the store path reads names and extensions, so it is given copies, which are
     * garbage once decided. The memory path ({@link MqttAccess#cachedCertificate}) reads only the DER.
     */
    static X509Certificate[] parsedCopies(X509Certificate[] chain) throws CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        X509Certificate[] copies = new X509Certificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
            copies[i] = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(chain[i].getEncoded()));
        }
        return copies;
    }

    private void decided(Decision d, ConnectRequest r, long startedAt, String fingerprint) {
        if (!(d instanceof Granted g)) {
            reject(ConnAcks.refused((Refused) d, v5));
            return;
        }
        if (ctx.sessions().kickedSince(g.deviceId(), g.tenantId(), fingerprint, startedAt)) {
            reject(ConnAcks.refused(new Refused(MqttAccess.Refusal.NOT_AUTHORIZED, "revoked while connecting"), v5));
            return;
        }
        Rejection will = r.will() == null ? null : r.will().check(ctx.access(), g.deviceId(), v5);
        if (will != null) {
            reject(will);
            return;
        }
        accept(g, r, fingerprint, startedAt);
    }

    /** Hands the connection to a session handler, which sends the CONNACK and serves the session. */
    private void accept(Granted g, ConnectRequest r, String fingerprint, long startedAt) {
        state = State.ACCEPTED;
        ctx.metrics().accepted();
        if (connectTimer != null) {
            connectTimer.cancel(false);
        }
        var info = new ConnectionInfo(connectionId, g.tenantId(), g.deviceId(), ctx.sessions().nodeId(),
                Instant.ofEpochMilli(ctx.clock().millis()), address(ProxyProtocol.remoteAddress(channel.channel())),
                v5 ? "MQTT 5" : "MQTT 3.1.1", r.clientId(), r.keepAliveSeconds(),
                fingerprint != null ? MqttAccess.CERTIFICATE : MqttAccess.DEVICE_KEY, r.cleanStart());
        if (fingerprint != null) {
            // decided: the session keeps the fingerprint (revocation kicks by it), not the chain
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls != null) {
                PeerCertificates.release(tls.engine());
            }
        }
        var session = new MqttSessionHandler(ctx, info, v5, fingerprint, r.will(),
                r.sessionExpiryMs(ctx.props().sessionExpiry()), r.maxOutboundPacket());
        channel.pipeline().replace(this, channel.name(), session);
        session.start(r.cleanStart(), r.receiveMaximum(), startedAt);
    }

    private static String address(SocketAddress remote) {
        return remote instanceof InetSocketAddress a ? a.getAddress().getHostAddress() + ":" + a.getPort()
                : String.valueOf(remote);
    }

    private void reject(Rejection r) {
        ctx.metrics().refused(r.code());
        channel.writeAndFlush(ConnAcks.refusal(r.code(), v5));
        close(r.reason());
    }

    /** The client certificate chain of the TLS session, leaf first; null when none was presented. */
    private X509Certificate[] peerChain() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] certs = ssl.engine().getSession().getPeerCertificates();
            if (certs == null || certs.length == 0) {
                return null;
            }
            X509Certificate[] chain = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = (X509Certificate) certs[i];
            }
            return chain;
        } catch (SSLPeerUnverifiedException none) {
            return null;
        }
    }

    /**
     * Closes the connection after what was written (a refusing CONNACK) is flushed; nothing read after it is
     * handled. Every caller runs on the event loop.
     */
    private void close(String reason) {
        if (state == State.CLOSED || state == State.ACCEPTED || closing) {
            return;
        }
        closing = true;
        log.debug("MQTT connection {} closed before it was accepted: {}", connectionId, reason);
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        state = State.CLOSED;
        if (connectTimer != null) {
            connectTimer.cancel(false);
        }
        super.channelInactive(c);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            close("connect timeout");
        } else if (evt instanceof SslHandshakeCompletionEvent e) {
            ctx.metrics().handshake(e.isSuccess());
            if (!e.isSuccess()) {
                close("TLS handshake failed");
            }
        }
        super.userEventTriggered(c, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (!(cause instanceof IOException) && !(cause instanceof DecoderException)) {
            log.warn("MQTT connection {} failed: {}", connectionId, cause.toString());
        }
        close("error: " + cause.getClass().getSimpleName());
    }
}
