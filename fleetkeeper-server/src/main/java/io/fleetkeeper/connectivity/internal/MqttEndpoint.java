package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.deviceapi.DeviceApiProperties;
import io.fleetkeeper.pki.PlatformCa;
import io.fleetkeeper.pki.PlatformCa.ServerIdentity;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The MQTT device endpoint: Netty with the native epoll transport, BoringSSL through netty-tcnative for
 * TLS (the JDK's TLS when it cannot load), and Netty's MQTT codec. The server certificate is issued by
 * the platform CA at start and re-issued when a third of its validity remains; new connections then
 * get the new one. Start and stop are safe to call twice, and it can be started again after a stop (the
 * Spring test framework pauses and resumes cached contexts that way).
 */
@Component
public class MqttEndpoint implements SmartLifecycle {

    static final String HANDLER = "mqtt";
    /**
     * Bytes BoringSSL may queue per connection for what it writes while Netty reads (handshake flights, session
     * tickets, alerts); Netty flushes them on its next wrap, in as many rounds as they need. The buffer is
     * allocated for the connection's lifetime, so Netty's default (2,048) is 1.8 KB of native memory per idle
     * connection more than this (see docs/benchmarks.md, memory per MQTT connection).
     */
    static final int TLS_PENDING_BUFFER = 256;
    private static final Logger log = LoggerFactory.getLogger(MqttEndpoint.class);

    private final ConnectivityProperties props;
    private final DeviceApiProperties serverNames;
    private final PlatformCa platformCa;
    private final DeviceCredentials credentials;
    private final MqttAccess access;
    private final SessionRegistry sessions;
    private final Clock clock;
    private final MqttMetrics metrics;
    private volatile SslContext ssl;
    private volatile Instant renewAfter = Instant.MAX;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ExecutorService blocking;
    private Channel server;
    private volatile int port = -1;

    MqttEndpoint(ConnectivityProperties props, DeviceApiProperties serverNames, PlatformCa platformCa,
            DeviceCredentials credentials, MqttAccess access, SessionRegistry sessions, Clock clock,
            MeterRegistry registry) {
        this.metrics = new MqttMetrics(registry, sessions::connectedCount);
        this.props = props;
        this.serverNames = serverNames;
        this.platformCa = platformCa;
        this.credentials = credentials;
        this.access = access;
        this.sessions = sessions;
        this.clock = clock;
    }

    /** The bound port, or -1 when the endpoint is not running. */
    public int port() {
        return port;
    }

    /** Whether TLS runs on BoringSSL (else the JDK). */
    public boolean nativeTls() {
        return props.nativeTls() && OpenSsl.isAvailable();
    }

    @Override
    public synchronized void start() {
        if (server != null || !props.enabled()) {
            return;
        }
        ssl = sslContext();
        boolean epoll = Epoll.isAvailable();
        var io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        int threads = props.ioThreads() > 0 ? props.ioThreads() : 2 * Runtime.getRuntime().availableProcessors();
        boss = new MultiThreadIoEventLoopGroup(1, io);
        workers = new MultiThreadIoEventLoopGroup(threads, io);
        blocking = Executors.newVirtualThreadPerTaskExecutor();
        var context = new MqttEndpointContext(props, access, sessions, clock, blocking, metrics);
        var proxyProtocol = new ProxyProtocol(props.proxyProtocolFrom());
        ServerBootstrap b = new ServerBootstrap().group(boss, workers)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler tls = ssl.newHandler(ch.alloc());
                        tls.setHandshakeTimeout(props.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
                        ch.pipeline().addLast("tls", tls)
                                .addLast("decoder", new MqttDecoder(props.maxPacketSize(), 64, true))
                                .addLast("encoder", MqttEncoder.INSTANCE)
                                .addLast(HANDLER, new MqttConnectHandler(context));
                        FirstWriteAfterHandshake.install(ch.pipeline());
                        proxyProtocol.install(ch);
                    }
                });
        try {
            server = b.bind(new InetSocketAddress(props.host(), props.port())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the MQTT endpoint", e);
        }
        port = ((InetSocketAddress) server.localAddress()).getPort();
        log.info("MQTT device endpoint on {}:{} (TLS: {}, transport: {}, {} I/O threads)", props.host(), port,
                nativeTls() ? "BoringSSL " + OpenSsl.versionString() : "JDK", epoll ? "epoll" : "NIO", threads);
    }

    private SslContext sslContext() {
        Duration validity = Duration.ofDays(serverNames.serverCertificateDays());
        ServerIdentity id = platformCa.issueServerCertificate(serverNames.serverNames(), validity);
        Instant notBefore = id.certificate().getNotBefore().toInstant();
        Instant notAfter = id.certificate().getNotAfter().toInstant();
        renewAfter = notAfter.minus(Duration.between(notBefore, notAfter).dividedBy(3));
        try {
            SslContext context = SslContextBuilder.forServer(id.key(), id.chain())
                    .sslProvider(nativeTls() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .clientAuth(ClientAuth.OPTIONAL)
                    .trustManager(credentials.handshakeTrustManager())
                    .build();
            if (context instanceof ReferenceCountedOpenSslContext openSsl) {
                openSsl.setBioNonApplicationBufferSize(TLS_PENDING_BUFFER);
            }
            return context;
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot build the MQTT endpoint's TLS context", e);
        }
    }

    /** Re-issues the server certificate before it expires; live connections keep theirs. */
    @Scheduled(initialDelay = 1, fixedDelay = 1, timeUnit = TimeUnit.HOURS)
    void renewServerCertificate() {
        if (server != null && !clock.instant().isBefore(renewAfter)) {
            ssl = sslContext();
            log.info("MQTT endpoint: server certificate re-issued");
        }
    }

    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.close().syncUninterruptibly();
        server = null;
        port = -1;
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        blocking.shutdown();
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    @Override
    public int getPhase() {
        // After the web server (which starts near Integer.MAX_VALUE - 1024): devices come last, leave first.
        return Integer.MAX_VALUE - 512;
    }
}
