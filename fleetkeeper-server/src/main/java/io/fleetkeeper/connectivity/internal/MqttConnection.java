package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.connectivity.MqttAccess.Decision;
import io.fleetkeeper.connectivity.MqttAccess.Granted;
import io.fleetkeeper.connectivity.MqttAccess.Refused;
import io.fleetkeeper.connectivity.MqttAccess.TopicCheck;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * One device connection: the MQTT protocol state machine over the Netty codec. CONNECT authenticates
 * (from memory when the credential is cached, else on a blocking thread while reading is paused), then
 * PUBLISH, SUBSCRIBE, UNSUBSCRIBE, PUBACK, PINGREQ and DISCONNECT are handled on the event loop.
 * Anything malformed or forbidden closes only this connection.
 */
final class MqttConnection extends ChannelInboundHandlerAdapter {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MqttConnection.class);

    private enum State { AWAIT_CONNECT, AUTHENTICATING, CONNECTED, CLOSED }

    private final MqttEndpointContext ctx;
    private final String connectionId = UUID.randomUUID().toString();
    private ChannelHandlerContext channel;
    private volatile State state = State.AWAIT_CONNECT;
    private ScheduledFuture<?> connectTimer;
    private int version;
    private UUID tenantId;
    private UUID deviceId;
    /** SHA-256 fingerprint of the client certificate this connection authenticated with; null for a key. */
    private volatile String fingerprint;
    private Session session;
    private ConnectionInfo info;
    private long sessionExpiryMs;
    private Will will;
    private String closeReason;
    private int maxOutboundPacket = Integer.MAX_VALUE;
    private double tokens;
    private long tokensAt;
    private long lastSeenNotified;
    private int keepAliveSeconds;
    private boolean closing;

    private record Will(String topic, byte[] payload, int qos) {
    }

    MqttConnection(MqttEndpointContext ctx) {
        this.ctx = ctx;
    }

    String connectionId() {
        return connectionId;
    }

    UUID deviceId() {
        return deviceId;
    }

    String fingerprint() {
        return fingerprint;
    }

    UUID tenantId() {
        return tenantId;
    }

    void bind(Session s) {
        this.session = s;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) throws Exception {
        this.channel = c;
        connectTimer = c.executor().schedule(() -> {
            if (state == State.AWAIT_CONNECT || state == State.AUTHENTICATING) {
                close("connect timeout");
            }
        }, ctx.props().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        super.channelActive(c);
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (!(msg instanceof MqttMessage m)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        try {
            read(m);
        } finally {
            io.netty.util.ReferenceCountUtil.release(m);
        }
    }

    private void read(MqttMessage m) {
        if (state == State.CLOSED || closing) {
            return;
        }
        if (m.decoderResult().isFailure()) {
            malformed(m);
            return;
        }
        MqttMessageType type = m.fixedHeader().messageType();
        if (state != State.CONNECTED) {
            if (type == MqttMessageType.CONNECT && state == State.AWAIT_CONNECT) {
                connect((MqttConnectMessage) m);
            } else {
                close("protocol error: " + type + " before CONNECT was accepted");
            }
            return;
        }
        seen();
        switch (type) {
            case PUBLISH -> publish((MqttPublishMessage) m);
            case PUBACK -> session.acknowledged(((MqttMessageIdVariableHeader) m.variableHeader()).messageId());
            case SUBSCRIBE -> subscribe((MqttSubscribeMessage) m);
            case UNSUBSCRIBE -> unsubscribe((MqttUnsubscribeMessage) m);
            case PINGREQ -> channel.writeAndFlush(new MqttMessage(
                    new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
            case DISCONNECT -> {
                int reason = m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                        ? h.reasonCode() & 0xFF : 0;
                if (reason != 0x04) {
                    will = null;
                }
                close("client disconnect");
            }
            case CONNECT -> disconnect(0x82, "protocol error: a second CONNECT");
            default -> disconnect(0x82, "protocol error: unexpected " + type);
        }
    }

    private void malformed(MqttMessage m) {
        Throwable cause = m.decoderResult().cause();
        if (state == State.AWAIT_CONNECT && cause instanceof MqttUnacceptableProtocolVersionException) {
            connAck(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, false, null);
            close("unsupported protocol version");
            return;
        }
        String text = String.valueOf(cause == null ? null : cause.getMessage());
        boolean tooLarge = text.contains("too large");
        disconnect(tooLarge ? 0x95 : 0x81, (tooLarge ? "packet too large: " : "malformed packet: ") + text);
    }

    // ---- CONNECT --------------------------------------------------------------------------------

    private void connect(MqttConnectMessage m) {
        var header = m.variableHeader();
        version = header.version();
        if (version != MqttVersion.MQTT_3_1_1.protocolLevel() && version != MqttVersion.MQTT_5.protocolLevel()) {
            connAck(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, false, null);
            close("unsupported protocol version " + version);
            return;
        }
        String clientId = m.payload().clientIdentifier();
        String username = header.hasUserName() ? m.payload().userName() : null;
        byte[] password = header.hasPassword() ? m.payload().passwordInBytes() : null;
        boolean cleanStart = header.isCleanSession();
        keepAliveSeconds = header.keepAliveTimeSeconds();
        MqttProperties props = header.properties();
        long expirySeconds = 0;
        int receiveMaximum = 65535;
        if (v5()) {
            if (props.getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value())
                    instanceof MqttProperties.IntegerProperty p) {
                expirySeconds = Integer.toUnsignedLong(p.value());
            }
            if (props.getProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value())
                    instanceof MqttProperties.IntegerProperty p && p.value() > 0) {
                receiveMaximum = p.value();
            }
            if (props.getProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value())
                    instanceof MqttProperties.IntegerProperty p && p.value() > 0) {
                maxOutboundPacket = p.value();
            }
            if (props.getProperty(MqttProperties.MqttPropertyType.AUTHENTICATION_METHOD.value()) != null) {
                refuse(new Refused(MqttAccess.Refusal.BAD_CREDENTIALS, "enhanced authentication is not supported"));
                return;
            }
        } else if (!cleanStart) {
            expirySeconds = Long.MAX_VALUE / 1000;
        }
        sessionExpiryMs = Math.min(expirySeconds * 1000, ctx.props().sessionExpiry().toMillis());
        if (header.isWillFlag()) {
            will = new Will(m.payload().willTopic(), m.payload().willMessageInBytes(), header.willQos());
        }
        X509Certificate[] chain = peerChain();
        String presented = chain != null ? Pem.fingerprint(chain[0]) : null;
        Decision cached = chain != null ? ctx.access().cachedCertificate(chain[0], clientId, username)
                : ctx.access().cachedKey(clientId, username, password);
        long startedAt = ctx.clock().millis();
        if (cached != null) {
            authenticated(cached, clientId, cleanStart, receiveMaximum, startedAt, presented);
            return;
        }
        state = State.AUTHENTICATING;
        channel.channel().config().setAutoRead(false);
        int rm = receiveMaximum;
        Executor loop = channel.executor();
        ctx.blocking().execute(() -> {
            Decision d;
            try {
                d = chain != null ? ctx.access().authenticateCertificate(chain, clientId, username)
                        : ctx.access().authenticateKey(clientId, username, password);
            } catch (RuntimeException e) {
                d = null;
            }
            Decision decided = d;
            loop.execute(() -> {
                if (state != State.AUTHENTICATING) {
                    return;
                }
                if (decided == null) {
                    connAck(v5() ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                            : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, false, null);
                    close("authentication failed: store unavailable");
                    return;
                }
                authenticated(decided, clientId, cleanStart, rm, startedAt, presented);
                channel.channel().config().setAutoRead(true);
            });
        });
    }

    private void authenticated(Decision d, String clientId, boolean cleanStart, int receiveMaximum, long startedAt,
            String certificate) {
        if (!(d instanceof Granted g)) {
            refuse((Refused) d);
            return;
        }
        if (ctx.sessions().kickedSince(g.deviceId(), g.tenantId(), certificate, startedAt)) {
            refuse(new Refused(MqttAccess.Refusal.NOT_AUTHORIZED, "revoked while connecting"));
            return;
        }
        if (will != null && ctx.access().publish(g.deviceId(), will.topic()) != TopicCheck.ALLOWED) {
            connAck(v5() ? MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, false, null);
            close("will topic outside the device's namespace");
            return;
        }
        if (will != null && will.qos() > 1) {
            connAck(v5() ? MqttConnectReturnCode.CONNECTION_REFUSED_QOS_NOT_SUPPORTED
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, false, null);
            close("will QoS 2 is not supported");
            return;
        }
        tenantId = g.tenantId();
        deviceId = g.deviceId();
        fingerprint = certificate;
        if (connectTimer != null) {
            connectTimer.cancel(false);
        }
        state = State.CONNECTED;
        tokens = ctx.props().publishesPerSecond();
        tokensAt = System.nanoTime();
        var remote = channel.channel().remoteAddress();
        info = new ConnectionInfo(connectionId, tenantId, deviceId, ctx.sessions().nodeId(), Instant.ofEpochMilli(
                ctx.clock().millis()), remote instanceof InetSocketAddress a ? a.getAddress().getHostAddress() + ":"
                + a.getPort() : String.valueOf(remote), v5() ? "MQTT 5" : "MQTT 3.1.1", clientId, keepAliveSeconds,
                certificate != null ? MqttAccess.CERTIFICATE : MqttAccess.DEVICE_KEY, cleanStart);
        if (keepAliveSeconds > 0) {
            channel.pipeline().addBefore(MqttEndpoint.HANDLER, "keepalive",
                    new IdleStateHandler(keepAliveSeconds * 1500L, 0, 0, TimeUnit.MILLISECONDS));
        }
        // CONNACK goes out before anything a resumed session resends.
        ctx.sessions().attach(this, cleanStart, receiveMaximum,
                present -> connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED, present, null));
        ctx.sessions().notifyConnected(info);
    }

    private void refuse(Refused r) {
        MqttConnectReturnCode code = switch (r.refusal()) {
            case BAD_CLIENT_ID -> v5() ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
            case BAD_CREDENTIALS -> v5() ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
            case NOT_AUTHORIZED -> v5() ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
        };
        connAck(code, false, r.detail());
        close("refused: " + r.detail());
    }

    private void connAck(MqttConnectReturnCode code, boolean present, String reason) {
        var b = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(present);
        if (v5()) {
            var p = new MqttMessageBuilders.ConnAckPropertiesBuilder();
            if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                p.maximumQos((byte) 1).retainAvailable(false).sharedSubscriptionAvailable(false)
                        .wildcardSubscriptionAvailable(true).subscriptionIdentifiersAvailable(false)
                        .topicAliasMaximum(0).maximumPacketSize(ctx.props().maxPacketSize())
                        .receiveMaximum(65535).sessionExpiryInterval(sessionExpiryMs / 1000);
            }
            b.properties(p.build());
        }
        MqttConnAckMessage ack = b.build();
        channel.writeAndFlush(ack);
    }

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

    // ---- PUBLISH / SUBSCRIBE ----------------------------------------------------------------------

    private void publish(MqttPublishMessage m) {
        if (!allowPublish()) {
            disconnect(0x96, "publish rate exceeded");
            return;
        }
        int qos = m.fixedHeader().qosLevel().value();
        if (qos > 1) {
            disconnect(0x9B, "QoS 2 is not supported");
            return;
        }
        if (v5() && m.fixedHeader().isRetain()) {
            disconnect(0x9A, "retained messages are not supported");
            return;
        }
        String topic = m.variableHeader().topicName();
        TopicCheck check = ctx.access().publish(deviceId, topic);
        if (check == TopicCheck.INVALID) {
            disconnect(0x90, "invalid topic name");
            return;
        }
        int packetId = m.variableHeader().packetId();
        if (check != TopicCheck.ALLOWED) {
            if (v5() && qos == 1) {
                pubAck(packetId, 0x87);
            } else {
                disconnect(0x87, "publish outside the device's namespace");
            }
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(m.content());
        ctx.sessions().inbound(session, topic, payload, qos);
        if (qos == 1) {
            pubAck(packetId, 0);
        }
    }

    private void pubAck(int packetId, int reason) {
        channel.writeAndFlush(MqttMessageBuilders.pubAck().packetId(packetId).reasonCode((byte) reason).build());
    }

    private boolean allowPublish() {
        int rate = ctx.props().publishesPerSecond();
        long now = System.nanoTime();
        tokens = Math.min(rate, tokens + (now - tokensAt) / 1e9 * rate);
        tokensAt = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    private void subscribe(MqttSubscribeMessage m) {
        List<Integer> codes = new ArrayList<>();
        List<String> granted = new ArrayList<>();
        for (MqttTopicSubscription sub : m.payload().topicSubscriptions()) {
            String filter = sub.topicName();
            TopicCheck check = ctx.access().subscribe(deviceId, filter);
            if (check == TopicCheck.ALLOWED && session.subscriptionCount() >= ctx.props().maxSubscriptions()
                    && !session.hasSubscription(filter)) {
                codes.add(v5() ? 0x97 : 0x80);
                continue;
            }
            switch (check) {
                case ALLOWED -> {
                    int qos = Math.min(1, sub.qualityOfService().value());
                    session.subscribe(filter, new Session.Subscription(qos, sub.option().isNoLocal()));
                    codes.add(qos);
                    granted.add(filter);
                }
                case NOT_AUTHORIZED -> codes.add(v5() ? 0x87 : 0x80);
                case INVALID -> codes.add(v5() ? 0x8F : 0x80);
                case SHARED_NOT_SUPPORTED -> codes.add(v5() ? 0x9E : 0x80);
            }
        }
        channel.writeAndFlush(new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(m.idAndPropertiesVariableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes)));
        String ns = MqttAccess.namespace(deviceId);
        for (String filter : granted) {
            ctx.sessions().notifySubscribed(info, filter.substring(ns.length()));
        }
    }

    private void unsubscribe(MqttUnsubscribeMessage m) {
        List<Short> codes = new ArrayList<>();
        for (String filter : m.payload().topics()) {
            codes.add(session.unsubscribe(filter) ? (short) 0x00 : (short) 0x11);
        }
        var header = new MqttMessageIdAndPropertiesVariableHeader(
                m.idAndPropertiesVariableHeader().messageId(), MqttProperties.NO_PROPERTIES);
        channel.writeAndFlush(new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0), header,
                v5() ? new MqttUnsubAckPayload(codes) : null));
    }

    /** Sends a PUBLISH towards the device (any thread). Messages over the client's maximum are skipped. */
    void sendPublish(String topic, byte[] payload, int qos, int packetId, boolean dup) {
        if (payload.length + topic.length() + 16 > maxOutboundPacket) {
            return;
        }
        var header = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), false, 0);
        channel.writeAndFlush(new MqttPublishMessage(header,
                new MqttPublishVariableHeader(topic, qos == 0 ? -1 : packetId, MqttProperties.NO_PROPERTIES),
                Unpooled.wrappedBuffer(payload)));
    }

    private void seen() {
        long now = System.nanoTime();
        if (now - lastSeenNotified > 1_000_000_000L) {
            lastSeenNotified = now;
            ctx.sessions().notifySeen(tenantId, deviceId);
        }
    }

    // ---- closing ------------------------------------------------------------------------------------

    /** Closes with an MQTT 5 DISCONNECT carrying {@code reasonCode} first (MQTT 3.1.1 just closes). */
    private void disconnect(int reasonCode, String reason) {
        if (state == State.CLOSED || closing) {
            return;
        }
        sendDisconnect(reasonCode);
        close(reason);
    }

    private void sendDisconnect(int reasonCode) {
        if (v5() && state == State.CONNECTED) {
            var header = new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode,
                    MqttProperties.NO_PROPERTIES);
            channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false,
                    MqttQoS.AT_MOST_ONCE, false, 0), header));
        }
    }

    /** Closes the connection (any thread); the will is published unless the client disconnected cleanly. */
    void close(String reason) {
        if (channel == null) {
            return;
        }
        channel.executor().execute(() -> {
            if (state == State.CLOSED || closing) {
                return;
            }
            if ("taken over".equals(reason)) {
                sendDisconnect(0x8E);
            }
            closing = true;
            closeReason = reason;
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        });
    }

    /** Revocation: MQTT 5 gets DISCONNECT 0x87 (not authorized), then the connection closes. */
    void kick(String reason) {
        if (channel == null) {
            return;
        }
        channel.executor().execute(() -> {
            will = null;
            disconnect(0x87, reason);
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        State was = state;
        state = State.CLOSED;
        if (connectTimer != null) {
            connectTimer.cancel(false);
        }
        if (was == State.CONNECTED && session != null) {
            if (will != null) {
                ctx.sessions().inbound(session, will.topic(), will.payload(), will.qos());
            }
            ctx.sessions().detach(this, session, sessionExpiryMs);
            ctx.sessions().notifyDisconnected(info, closeReason == null ? "connection lost" : closeReason);
        }
        super.channelInactive(c);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            close(state == State.CONNECTED ? "keep-alive timeout" : "connect timeout");
        } else if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            close("TLS handshake failed");
        }
        super.userEventTriggered(c, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (!(cause instanceof java.io.IOException) && !(cause instanceof io.netty.handler.codec.DecoderException)) {
            log.warn("MQTT connection {} failed: {}", connectionId, cause.toString());
        }
        close("error: " + cause.getClass().getSimpleName());
    }

    private boolean v5() {
        return version == MqttVersion.MQTT_5.protocolLevel();
    }
}
