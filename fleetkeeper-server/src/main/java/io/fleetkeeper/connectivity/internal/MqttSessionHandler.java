package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.DeviceMessaging.Receipt;
import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.connectivity.MqttAccess.TopicCheck;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Ticker;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An accepted device connection, from the CONNACK on: PUBLISH (inside the device's namespace, QoS 0 and 1,
 * rate limited), SUBSCRIBE, UNSUBSCRIBE, PUBACK of the session's QoS 1 messages, PINGREQ, keep-alive and
 * DISCONNECT, all on the event loop. It is what {@link SessionRegistry} and {@link Session} know as the device's
 * connection: they send through it, take it over and kick it from any thread. Anything malformed or forbidden
 * closes only this connection; when it ends, the will is published unless the client disconnected cleanly.
 */
final class MqttSessionHandler extends ChannelInboundHandlerAdapter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(MqttSessionHandler.class);
    /** What {@link #lastAck} is while no PUBACK waits: shared, so an idle session holds no future of its own. */
    private static final CompletableFuture<Void> NONE_PENDING = CompletableFuture.completedFuture(null);
    /** The length of a device's topic namespace, {@code fk/<uuid>/}. */
    private static final int NAMESPACE_LENGTH = MqttAccess.namespace(new UUID(0, 0)).length();

    private final MqttEndpointContext ctx;
    private final ConnectionInfo info;
    private final boolean v5;
    /** SHA-256 fingerprint of the client certificate this connection authenticated with; null for a key. */
    private final String fingerprint;
    private final long sessionExpiryMs;
    private final int maxOutboundPacket;
    private Will will;
    private ChannelHandlerContext channel;
    private Ticker ticker;
    /** The device's publish bucket; made at its first publication. */
    private PublishRateLimiter rate;
    /** The bucket of the publications a gateway makes for its children; made at the first one. */
    private PublishRateLimiter childRate;
    private long lastSeenNotified;
    /** Listeners hear that the device is alive at most this often (and once more when the connection ends). */
    private long seenEveryNanos;
    /** When the last packet arrived (ticker nanos): the keep-alive watch closes the connection 1.5 keep-alives on. */
    private long lastPacketAt;
    /** The next look of the keep-alive watch; cancelled when the connection ends. */
    private Future<?> keepAlive;
    private Session session;
    private boolean closed;
    private boolean closing;
    /** The last QoS 1 PUBACK decided (event loop only): PUBACKs go out in the order the PUBLISHes came in. */
    private CompletableFuture<Void> lastAck = NONE_PENDING;
    private String closeReason;

    MqttSessionHandler(MqttEndpointContext ctx, ConnectionInfo info, boolean v5, String fingerprint, Will will,
            long sessionExpiryMs, int maxOutboundPacket) {
        this.ctx = ctx;
        this.info = info;
        this.v5 = v5;
        this.fingerprint = fingerprint;
        this.will = will;
        this.sessionExpiryMs = sessionExpiryMs;
        this.maxOutboundPacket = maxOutboundPacket;
    }

    String connectionId() {
        return info.connectionId();
    }

    UUID deviceId() {
        return info.deviceId();
    }

    ConnectionInfo info() {
        return info;
    }

    String fingerprint() {
        return fingerprint;
    }

    UUID tenantId() {
        return info.tenantId();
    }

    void bind(Session s) {
        this.session = s;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        channel = c;
        ticker = c.executor().ticker();
        lastPacketAt = ticker.nanoTime();
        seenEveryNanos = ctx.props().lastSeenInterval().toNanos();
        lastSeenNotified = lastPacketAt; // the connection's start is its first last-seen time
    }

    /**
     * Once in the pipeline: starts the keep-alive watch (one and a half times the client's keep-alive), binds the
     * device's session (taking over any older connection), which sends the CONNACK before it resends anything.
     */
    void start(boolean cleanStart, int receiveMaximum, long connectStartedAt) {
        if (info.keepAlive() > 0) {
            keepAlive = channel.executor().schedule(this, keepAliveNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.sessions().attach(this, cleanStart, receiveMaximum, connectStartedAt, present -> channel.writeAndFlush(
                ConnAcks.accepted(present, v5, ctx.props().maxPacketSize(), sessionExpiryMs / 1000)));
        ctx.sessions().notifyConnected(info);
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (msg instanceof MqttMessage m && !closed && !closing) {
                read(m);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void read(MqttMessage m) {
        if (m.decoderResult().isFailure()) {
            Throwable cause = m.decoderResult().cause();
            String text = String.valueOf(cause == null ? null : cause.getMessage());
            boolean tooLarge = text.contains("too large");
            disconnect(tooLarge ? 0x95 : 0x81, (tooLarge ? "packet too large: " : "malformed packet: ") + text);
            return;
        }
        seen();
        MqttMessageType type = m.fixedHeader().messageType();
        switch (type) {
            case PUBLISH -> publish((MqttPublishMessage) m);
            case PUBACK -> session.acknowledged(((MqttMessageIdVariableHeader) m.variableHeader()).messageId());
            case SUBSCRIBE -> subscribe((MqttSubscribeMessage) m);
            case UNSUBSCRIBE -> channel.writeAndFlush(
                    SubscriptionRequests.unsubscribe((MqttUnsubscribeMessage) m, session, v5));
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

    /** One and a half times the client's keep-alive (MQTT 3.1.1 3.1.2.10, MQTT 5 3.1.2.11). */
    private long keepAliveNanos() {
        return info.keepAlive() * 1_500_000_000L;
    }

    /**
     * The keep-alive watch, on the event loop: closes the connection when no packet came for one and a half
     * keep-alives, else looks again when that much time will have passed since the last one. It is the handler
     * itself scheduled (no handler in the pipeline, no task object of its own): what an idle connection holds for
     * its keep-alive is the one scheduled task.
     */
    @Override
    public void run() {
        if (closed || closing) {
            return;
        }
        long left = keepAliveNanos() - (ticker.nanoTime() - lastPacketAt);
        if (left <= 0) {
            close("keep-alive timeout");
        } else {
            keepAlive = channel.executor().schedule(this, left, TimeUnit.NANOSECONDS);
        }
    }

    private void seen() {
        long now = ticker.nanoTime();
        lastPacketAt = now;
        if (now - lastSeenNotified > seenEveryNanos) {
            lastSeenNotified = now;
            ctx.sessions().notifySeen(info.tenantId(), info.deviceId());
        }
    }

    private void publish(MqttPublishMessage m) {
        ctx.metrics().received();
        String topic = m.variableHeader().topicName();
        if (!bucket(topic).tryAcquire()) {
            disconnect(0x96, "publish rate exceeded");
            return;
        }
        int qos = m.fixedHeader().qosLevel().value();
        if (qos > 1) {
            disconnect(0x9B, "QoS 2 is not supported");
            return;
        }
        if (v5 && m.fixedHeader().isRetain()) {
            disconnect(0x9A, "retained messages are not supported");
            return;
        }
        TopicCheck check = ctx.access().publish(info.deviceId(), topic);
        if (check == TopicCheck.INVALID) {
            disconnect(0x90, "invalid topic name");
            return;
        }
        int packetId = m.variableHeader().packetId();
        if (check == TopicCheck.ALLOWED) {
            GatewayRoutes.ForChild child = GatewayRoutes.parse(topic.substring(MqttAccess.namespace(info.deviceId())
                    .length()));
            if (child != null && !ctx.sessions().mayActFor(info.tenantId(), info.deviceId(), child.childId())) {
                check = TopicCheck.NOT_AUTHORIZED;
            }
        }
        if (check != TopicCheck.ALLOWED) {
            if (v5 && qos == 1) {
                pubAck(packetId, 0x87);
            } else {
                disconnect(0x87, "publish outside the device's namespace");
            }
            return;
        }
        CompletionStage<Receipt> receipt = ctx.sessions().inbound(session, topic, ByteBufUtil.getBytes(m.content()),
                qos);
        if (qos == 1) {
            if (receipt == null && lastAck.isDone()) {
                pubAck(packetId, 0);
                return;
            }
            CompletionStage<Receipt> decided = receipt == null
                    ? CompletableFuture.completedFuture(Receipt.ACCEPTED) : receipt;
            CompletableFuture<Void> previous = lastAck;
            CompletableFuture<Void> sent = new CompletableFuture<>();
            lastAck = sent;
            decided.whenComplete((r, e) -> previous.whenComplete((ignored, none) -> channel.executor().execute(() -> {
                acknowledge(packetId, r, e);
                sent.complete(null);
            })));
        }
    }

    /**
     * A gateway's publications for its children ({@code fk/<id>/children/...}) count against a bucket of their own;
     * whether the topic is in this device's namespace at all is checked after.
     */
    private PublishRateLimiter bucket(String topic) {
        if (rate == null) {
            rate = new PublishRateLimiter(ctx.props().publishesPerSecond(), ticker);
        }
        if (topic == null || !topic.startsWith(GatewayRoutes.CHILDREN, NAMESPACE_LENGTH)) {
            return rate;
        }
        if (childRate == null) {
            childRate = new PublishRateLimiter(ctx.props().gatewayPublishesPerSecond(), ticker);
        }
        return childRate;
    }

    /**
     * The PUBACK of a publication an acknowledging handler decided on: sent once the message is durable, 0x99
     * (MQTT 5) when its content was refused. When it could not be made durable now, MQTT 5 gets 0x97 (quota
     * exceeded; 0x80 when the handler failed) so the client's in-flight window does not stall until it reconnects
     * (MQTT 5 clients resend only then); MQTT 3.1.1 has no failure PUBACK, so it gets none and sends again.
     */
    private void acknowledge(int packetId, Receipt r, Throwable failure) {
        if (closed || closing) {
            return;
        }
        if (failure != null || r == null || r == Receipt.UNAVAILABLE) {
            if (v5) {
                pubAck(packetId, failure != null || r == null ? 0x80 : 0x97);
            }
            return;
        }
        pubAck(packetId, r == Receipt.REFUSED && v5 ? 0x99 : 0);
    }

    private void pubAck(int packetId, int reason) {
        channel.writeAndFlush(MqttMessageBuilders.pubAck().packetId(packetId).reasonCode((byte) reason).build());
    }

    private void subscribe(MqttSubscribeMessage m) {
        var result = SubscriptionRequests.subscribe(m, session, ctx.access(), info.deviceId(),
                ctx.props().maxSubscriptions(), v5);
        channel.writeAndFlush(result.ack());
        String ns = MqttAccess.namespace(info.deviceId());
        for (String filter : result.granted()) {
            ctx.sessions().notifySubscribed(info, filter.substring(ns.length()));
        }
    }

    /** Sends a PUBLISH towards the device (any thread). Messages over the client's maximum are skipped. */
    void sendPublish(String topic, byte[] payload, int qos, int packetId, boolean dup) {
        if (payload.length + topic.length() + 16 > maxOutboundPacket) {
            return;
        }
        var header = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), false, 0);
        ctx.metrics().sent();
        channel.writeAndFlush(new MqttPublishMessage(header,
                new MqttPublishVariableHeader(topic, qos == 0 ? -1 : packetId, MqttProperties.NO_PROPERTIES),
                Unpooled.wrappedBuffer(payload)));
    }

    // ---- closing ------------------------------------------------------------------------------------

    /** Closes with an MQTT 5 DISCONNECT carrying {@code reasonCode} first (MQTT 3.1.1 just closes). */
    private void disconnect(int reasonCode, String reason) {
        if (closed || closing) {
            return;
        }
        sendDisconnect(reasonCode);
        close(reason);
    }

    private void sendDisconnect(int reasonCode) {
        if (v5 && !closed) {
            var header = new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode,
                    MqttProperties.NO_PROPERTIES);
            channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false,
                    MqttQoS.AT_MOST_ONCE, false, 0), header));
        }
    }

    /** Closes the connection (any thread); the will is published unless the client disconnected cleanly. */
    void close(String reason) {
        channel.executor().execute(() -> {
            if (closed || closing) {
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
        channel.executor().execute(() -> {
            will = null;
            disconnect(0x87, reason);
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        boolean was = !closed;
        closed = true;
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        if (was && session != null) {
            if (will != null) {
                ctx.sessions().inbound(session, will.topic(), will.payload(), will.qos());
            }
            ctx.sessions().detach(this, session, sessionExpiryMs);
            if (lastPacketAt > lastSeenNotified) { // packets since the last notice: the exact last-seen time
                ctx.sessions().notifySeen(info.tenantId(), info.deviceId(), ticker.nanoTime() - lastPacketAt);
            }
            ctx.sessions().notifyDisconnected(info, closeReason == null ? "connection lost" : closeReason);
        }
        super.channelInactive(c);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (!(cause instanceof IOException) && !(cause instanceof DecoderException)) {
            log.warn("MQTT connection {} failed: {}", info.connectionId(), cause.toString());
        }
        close("error: " + cause.getClass().getSimpleName());
    }
}
