package io.fleetkeeper.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty MQTT 3.1.1 device clients over TLS (BoringSSL, epoll) for the {@code shadow} mode: one connection per
 * device authenticated with its device key (username = device id, password = {@code dvc_…}), subscribed with
 * QoS 1 to its classic shadow's {@code update/delta}, {@code update/accepted} and {@code update/rejected}.
 * Incoming QoS 1 messages are acknowledged at once; their payloads go to a {@link Listener} on the network
 * thread. Connection handling follows the {@code mqtt} mode's {@code MqttClients} (copied, not shared, so the
 * two modes can evolve separately).
 */
final class ShadowClients implements AutoCloseable {

    static final int KEEP_ALIVE_SECONDS = 60;

    /** A device's id and key. */
    record Device(String id, String key) {
    }

    /** Receives shadow replies on network threads; must not block. */
    interface Listener {
        void delta(int device, String payload, long nanos);

        void accepted(int device, String payload, long nanos);

        void rejected(int device, String payload, long nanos);
    }

    /** One device connection. */
    static final class Conn {
        final int index;
        volatile Channel channel;
        volatile boolean ready;
        private boolean settled;
        private int nextPacketId;

        Conn(int index) {
            this.index = index;
        }

        synchronized int packetId() {
            nextPacketId = nextPacketId % 65_535 + 1;
            return nextPacketId;
        }
    }

    final Conn[] conns;
    final AtomicLong ready = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong drops = new AtomicLong();
    final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final List<Device> devices;
    private final Listener listener;
    private final EventLoopGroup group;
    private final SslContext ssl;
    private final Semaphore inFlight;
    private final int concurrency;
    private final InetSocketAddress remote;
    private volatile boolean closing;

    ShadowClients(List<Device> devices, Listener listener, List<X509Certificate> trusted, String host, int port,
            int ioThreads, int concurrency) throws Exception {
        if (!OpenSsl.isAvailable()) {
            throw new IllegalStateException("netty-tcnative (BoringSSL) is not available", OpenSsl.unavailabilityCause());
        }
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("epoll is not available", Epoll.unavailabilityCause());
        }
        this.devices = devices;
        this.listener = listener;
        this.conns = new Conn[devices.size()];
        this.inFlight = new Semaphore(concurrency);
        this.concurrency = concurrency;
        this.remote = new InetSocketAddress(host, port);
        this.ssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(trusted.toArray(X509Certificate[]::new)).endpointIdentificationAlgorithm(null).build();
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, EpollIoHandler.newFactory());
    }

    /** Connects and subscribes every device, at most {@code concurrency} in flight; returns when all settled. */
    void connectAll() throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        InetSocketAddress source = new InetSocketAddress("127.0.0.2", 0);
        for (int i = 0; i < conns.length; i++) {
            inFlight.acquire();
            Conn c = new Conn(i);
            conns[i] = c;
            ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new MqttDecoder(256 * 1024),
                            MqttEncoder.INSTANCE, new IdleStateHandler(0, KEEP_ALIVE_SECONDS - 5, 0),
                            new Handler(c));
                }
            }).connect(remote, source);
            c.channel = f.channel();
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    settle(c, "tcp: " + done.cause().getMessage());
                }
            });
        }
        inFlight.acquire(concurrency);
        inFlight.release(concurrency);
    }

    /** Publishes {@code payload} with QoS 1 to {@code fk/{id}/shadow/update} of device {@code index}. */
    void publishUpdate(int index, String payload) {
        publish(index, "fk/" + devices.get(index).id() + "/shadow/update", payload);
    }

    /** Publishes {@code payload} with QoS 1 to {@code topic} on device {@code index}'s connection. */
    void publish(int index, String topic, String payload) {
        Conn c = conns[index];
        c.channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE)
                .messageId(c.packetId()).payload(Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)))
                .build());
    }

    private void settle(Conn c, String failure) {
        synchronized (c) {
            if (c.settled) {
                return;
            }
            c.settled = true;
        }
        if (failure == null) {
            c.ready = true;
            ready.incrementAndGet();
        } else {
            failed.incrementAndGet();
            failures.computeIfAbsent(failure.length() > 120 ? failure.substring(0, 120) : failure,
                    k -> new AtomicLong()).incrementAndGet();
            c.channel.close();
        }
        inFlight.release();
    }

    long open() {
        long n = 0;
        for (Conn c : conns) {
            if (c != null && c.ready && c.channel.isActive()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        closing = true;
        for (Conn c : conns) {
            if (c != null && c.channel != null) {
                if (c.channel.isActive()) {
                    c.channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false,
                            MqttQoS.AT_MOST_ONCE, false, 0))).addListener(ChannelFutureListener.CLOSE);
                } else {
                    c.channel.close();
                }
            }
        }
        group.shutdownGracefully(1, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final Conn c;

        Handler(Conn c) {
            this.c = c;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.executor().schedule(() -> {
                if (!c.ready) {
                    settle(c, "not subscribed within 30 s");
                }
            }, 30, TimeUnit.SECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent hs) {
                if (!hs.isSuccess()) {
                    settle(c, "tls: " + hs.cause());
                    return;
                }
                Device d = devices.get(c.index);
                ctx.writeAndFlush(MqttMessageBuilders.connect().clientId(d.id()).username(d.id())
                        .password(d.key().getBytes(StandardCharsets.UTF_8)).protocolVersion(MqttVersion.MQTT_3_1_1)
                        .cleanSession(true).keepAlive(KEEP_ALIVE_SECONDS).build());
            } else if (evt instanceof IdleStateEvent && c.ready) {
                ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false,
                        MqttQoS.AT_MOST_ONCE, false, 0)));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            if (msg instanceof MqttConnAckMessage ack) {
                if (ack.variableHeader().connectReturnCode() != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                    settle(c, "refused: " + ack.variableHeader().connectReturnCode());
                    return;
                }
                String base = "fk/" + devices.get(c.index).id() + "/shadow/update/";
                ctx.writeAndFlush(MqttMessageBuilders.subscribe().messageId(c.packetId())
                        .addSubscription(MqttQoS.AT_LEAST_ONCE, base + "delta")
                        .addSubscription(MqttQoS.AT_LEAST_ONCE, base + "accepted")
                        .addSubscription(MqttQoS.AT_LEAST_ONCE, base + "rejected").build());
            } else if (msg instanceof MqttSubAckMessage sub) {
                boolean ok = sub.payload().grantedQoSLevels().stream().allMatch(q -> q < 0x80);
                settle(c, ok ? null : "subscription refused: " + sub.payload().grantedQoSLevels());
            } else if (msg instanceof MqttPublishMessage pub) {
                try {
                    if (pub.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                        ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(pub.variableHeader().packetId())
                                .build());
                    }
                    String topic = pub.variableHeader().topicName();
                    String payload = pub.payload().toString(StandardCharsets.UTF_8);
                    if (topic.endsWith("/update/delta")) {
                        listener.delta(c.index, payload, now);
                    } else if (topic.endsWith("/update/accepted")) {
                        listener.accepted(c.index, payload, now);
                    } else if (topic.endsWith("/update/rejected")) {
                        listener.rejected(c.index, payload, now);
                    }
                } finally {
                    pub.release();
                }
            } else if (msg instanceof MqttMessage m && m.decoderResult().isFailure()) {
                settle(c, "decode: " + m.decoderResult().cause());
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!c.ready) {
                settle(c, "closed before SUBACK");
            } else if (!closing) {
                drops.incrementAndGet();
                if (drops.get() <= 5) {
                    System.out.printf("  UNEXPECTED DROP %s device %s%n", Load.now(), devices.get(c.index).id());
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!c.ready) {
                settle(c, "error: " + cause);
            }
            ctx.close();
        }
    }
}
