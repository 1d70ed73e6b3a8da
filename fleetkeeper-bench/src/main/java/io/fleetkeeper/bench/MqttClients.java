package io.fleetkeeper.bench;

import io.fleetkeeper.bench.MqttFleet.Device;
import io.netty.bootstrap.Bootstrap;
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
import io.netty.handler.codec.mqtt.MqttQoS;
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
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.HdrHistogram.Recorder;

/**
 * Netty MQTT 3.1.1 clients over TLS (BoringSSL through netty-tcnative, epoll): one connection per device,
 * client id = device id, clean session, a client certificate per device, no TLS session resumption (no peer
 * host is given to the engine, so the client session cache is never consulted: every handshake is full; for
 * the same reason the server certificate's chain is verified but not its host name).
 */
final class MqttClients implements AutoCloseable {

    static final int KEEP_ALIVE_SECONDS = 60;

    /** One device connection and its timeline (System.nanoTime). */
    static final class Conn {
        final int index;
        volatile Channel channel;
        volatile long startNanos;
        volatile long connAckNanos;
        volatile long closedNanos;
        volatile long revokeSentNanos;
        volatile long revokedNanos;
        volatile boolean expectClose;
        volatile boolean disconnectReceived;
        volatile String failure;
        private boolean settled;

        Conn(int index) {
            this.index = index;
        }

        boolean connected() {
            return connAckNanos != 0;
        }

        boolean open() {
            return connAckNanos != 0 && closedNanos == 0;
        }
    }

    final Conn[] conns;
    final Recorder connectLatency = new Recorder(3);
    final AtomicLong connected = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong drops = new AtomicLong();
    final AtomicLong pingsSent = new AtomicLong();
    final AtomicLong pingResponses = new AtomicLong();
    final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    final String protocol[] = {"?", "?"};
    private final List<Device> devices;
    private final EventLoopGroup group;
    private final SslContext ssl;
    private final Map<SSLEngine, Integer> engines = new ConcurrentHashMap<>();
    private final Semaphore inFlight;
    private final int concurrency;
    private final InetSocketAddress remote;
    private final InetSocketAddress[] sources;
    private final int connectTimeoutMillis;
    private volatile boolean closing;

    MqttClients(List<Device> devices, List<X509Certificate> trusted, String host, int port, int ioThreads,
            int concurrency, int sourceAddresses, int connectTimeoutMillis) throws Exception {
        if (!OpenSsl.isAvailable()) {
            throw new IllegalStateException("netty-tcnative (BoringSSL) is not available", OpenSsl.unavailabilityCause());
        }
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("epoll is not available", Epoll.unavailabilityCause());
        }
        this.devices = devices;
        this.conns = new Conn[devices.size()];
        this.inFlight = new Semaphore(concurrency);
        this.concurrency = concurrency;
        this.remote = new InetSocketAddress(host, port);
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.sources = new InetSocketAddress[sourceAddresses];
        for (int i = 0; i < sourceAddresses; i++) {
            sources[i] = new InetSocketAddress("127.0.0." + (2 + i), 0);
        }
        this.ssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(trusted.toArray(X509Certificate[]::new)).keyManager(new DeviceKeys())
                // the chain is verified against the trusted CA; no host name check, as no peer host is given
                .endpointIdentificationAlgorithm(null).build();
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, EpollIoHandler.newFactory());
    }

    /** Opens every connection, at most {@code concurrency} handshakes in flight; returns when all have settled. */
    void connectAll(Runnable progress) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                // bind() with port 0 would reserve a local port for any destination, and Linux gives bind()
                // only half the ephemeral range (odd ports) before a slow search through the rest: ~14,000
                // connections per source address, and 30 % of the client's time in bind(). With this
                // option the port is chosen at connect(), per destination.
                .option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        for (int i = 0; i < conns.length; i++) {
            inFlight.acquire();
            Conn c = new Conn(i);
            conns[i] = c;
            c.startNanos = System.nanoTime();
            ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    SslHandler tls = ssl.newHandler(ch.alloc());
                    engines.put(tls.engine(), c.index);
                    ch.pipeline().addLast(tls, new MqttDecoder(), MqttEncoder.INSTANCE,
                            new IdleStateHandler(0, KEEP_ALIVE_SECONDS - 5, 0), new ClientHandler(c, tls.engine()));
                }
            }).connect(remote, sources[i % sources.length]);
            c.channel = f.channel();
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    settle(c, "tcp: " + done.cause().getClass().getSimpleName() + ": " + done.cause().getMessage());
                }
            });
            if (progress != null && (i & 1023) == 0) {
                progress.run();
            }
        }
        inFlight.acquire(concurrency);
        inFlight.release(concurrency);
    }

    /** The first end of a connection attempt: CONNACK (failure == null) or a failure. */
    private void settle(Conn c, String failure) {
        synchronized (c) {
            if (c.settled) {
                return;
            }
            c.settled = true;
        }
        if (failure == null) {
            c.connAckNanos = System.nanoTime();
            connectLatency.recordValue(c.connAckNanos - c.startNanos);
            connected.incrementAndGet();
        } else {
            c.failure = failure;
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
            if (c != null && c.open()) {
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
                c.expectClose = true;
                if (c.open()) {
                    c.channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false,
                            MqttQoS.AT_MOST_ONCE, false, 0))).addListener(ChannelFutureListener.CLOSE);
                } else {
                    c.channel.close();
                }
            }
        }
        group.shutdownGracefully(1, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class ClientHandler extends ChannelInboundHandlerAdapter {
        private final Conn c;
        private final SSLEngine engine;

        ClientHandler(Conn c, SSLEngine engine) {
            this.c = c;
            this.engine = engine;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.executor().schedule(() -> {
                if (!c.connected()) {
                    settle(c, "no CONNACK within " + connectTimeoutMillis + " ms");
                }
            }, connectTimeoutMillis, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent hs) {
                engines.remove(engine);
                if (!hs.isSuccess()) {
                    settle(c, "tls: " + rootMessage(hs.cause()));
                    return;
                }
                if (c.index == 0) {
                    protocol[0] = engine.getSession().getProtocol();
                    protocol[1] = engine.getSession().getCipherSuite();
                }
                ctx.writeAndFlush(MqttMessageBuilders.connect().clientId(devices.get(c.index).id().toString())
                        .protocolVersion(MqttVersion.MQTT_3_1_1).cleanSession(true)
                        .keepAlive(KEEP_ALIVE_SECONDS).build());
            } else if (evt instanceof IdleStateEvent && c.connected()) {
                pingsSent.incrementAndGet();
                ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false,
                        MqttQoS.AT_MOST_ONCE, false, 0)));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof MqttConnAckMessage ack) {
                MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
                settle(c, code == MqttConnectReturnCode.CONNECTION_ACCEPTED ? null : "refused: " + code);
            } else if (msg instanceof MqttMessage m && m.fixedHeader() != null) {
                switch (m.fixedHeader().messageType()) {
                    case PINGRESP -> pingResponses.incrementAndGet();
                    case DISCONNECT -> c.disconnectReceived = true;
                    default -> {
                    }
                }
                if (m.decoderResult().isFailure()) {
                    settle(c, "decode: " + m.decoderResult().cause());
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            c.closedNanos = System.nanoTime();
            engines.remove(engine);
            if (!c.connected()) {
                settle(c, "closed before CONNACK");
            } else if (!c.expectClose && !closing) {
                drops.incrementAndGet();
                if (drops.get() <= 5) {
                    System.out.printf("  UNEXPECTED DROP %s device %s (connected %.1f s)%n", Load.now(),
                            devices.get(c.index).id(), (c.closedNanos - c.connAckNanos) / 1e9);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!c.connected()) {
                settle(c, "error: " + rootMessage(cause));
            }
            ctx.close();
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Presents, on each engine, the key and chain of the device whose connection created it. */
    private final class DeviceKeys extends X509ExtendedKeyManager {
        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            Integer i = engines.get(engine);
            return i == null ? null : Integer.toString(i);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return devices.get(Integer.parseInt(alias)).chain().clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return devices.get(Integer.parseInt(alias)).key();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
