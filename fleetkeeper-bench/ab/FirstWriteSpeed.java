package io.fleetkeeper.connectivity.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.lang.management.ManagementFactory;

/**
 * Server-side thread CPU and heap allocated per mutual-TLS 1.3 connection (BoringSSL on both ends, no sockets): the
 * handshake, a 16-byte request from the client and the server's 4-byte answer (as a CONNECT and its CONNACK), with
 * the endpoint's TLS settings, A = Netty's TLS handler alone, B = with {@link FirstWriteAfterHandshake}. Only the
 * server's pipeline work is timed (the client's is outside the measured calls). Alternates A and B for ROUNDS rounds
 * of N connections each, after one warm-up round of each. Run against a server jar's classes (command in
 * docs/benchmarks.md).
 */
public class FirstWriteSpeed {

    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static long cpu;
    static long alloc;
    static int writes;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        SelfSignedCertificate cert = new SelfSignedCertificate("device.test", "EC", 256);
        SslContext server = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3").clientAuth(ClientAuth.REQUIRE)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        ((ReferenceCountedOpenSslContext) server).setBioNonApplicationBufferSize(MqttEndpoint.TLS_PENDING_BUFFER);
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).protocols("TLSv1.3")
                .keyManager(cert.key(), cert.cert()).trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        run(server, client, false, n);
        run(server, client, true, n);
        double[] sums = new double[4];
        for (int r = 1; r <= rounds; r++) {
            for (boolean b : new boolean[] {r % 2 == 1, r % 2 == 0}) {
                run(server, client, b, n);
                double us = cpu / 1000.0 / n;
                double kb = alloc / 1024.0 / n;
                System.out.printf("round %d %s: server CPU %.1f us per connection, allocated %.1f KB, %.1f writes%n",
                        r, b ? "B first-write" : "A netty     ", us, kb, writes / (double) n);
                sums[b ? 2 : 0] += us;
                sums[b ? 3 : 1] += kb;
            }
        }
        System.out.printf("mean of %d rounds: A %.1f us, %.1f KB; B %.1f us, %.1f KB; B/A CPU %.3f, allocated %.3f%n",
                rounds, sums[0] / rounds, sums[1] / rounds, sums[2] / rounds, sums[3] / rounds, sums[2] / sums[0],
                sums[3] / sums[1]);
    }

    static void run(SslContext serverTls, SslContext clientTls, boolean firstWrite, int n) {
        cpu = 0;
        alloc = 0;
        writes = 0;
        long self = Thread.currentThread().threadId();
        for (int i = 0; i < n; i++) {
            EmbeddedChannel s = new EmbeddedChannel();
            s.pipeline().addLast("tls", serverTls.newHandler(s.alloc())).addLast("app", new Answer());
            if (firstWrite) {
                FirstWriteAfterHandshake.install(s.pipeline());
            }
            EmbeddedChannel c = new EmbeddedChannel(clientTls.newHandler(ByteBufAllocator.DEFAULT));
            pump(c, s, self);
            c.writeAndFlush(Unpooled.wrappedBuffer(new byte[16]));
            pump(c, s, self);
            Object answer = c.readInbound();
            if (!(answer instanceof ByteBuf b) || b.readableBytes() != 4) {
                throw new IllegalStateException("no answer: " + answer);
            }
            b.release();
            s.finishAndReleaseAll();
            c.finishAndReleaseAll();
        }
    }

    /** Carries bytes both ways until quiet; the server's side of it is timed. */
    static void pump(EmbeddedChannel c, EmbeddedChannel s, long self) {
        for (boolean moved = true; moved; ) {
            moved = false;
            for (Object o; (o = c.readOutbound()) != null; ) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                long a0 = THREADS.getThreadAllocatedBytes(self);
                s.writeInbound(o);
                s.runPendingTasks();
                cpu += THREADS.getCurrentThreadCpuTime() - t0;
                alloc += THREADS.getThreadAllocatedBytes(self) - a0;
                moved = true;
            }
            for (Object o; (o = s.readOutbound()) != null; ) {
                if (((ByteBuf) o).isReadable()) {
                    writes++;
                }
                c.writeInbound(o);
                moved = true;
            }
            c.runPendingTasks();
        }
    }

    /** Answers the first 16 bytes with 4 (a CONNECT and its CONNACK, in size). */
    static final class Answer extends ChannelInboundHandlerAdapter {
        int read;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            read += ((ByteBuf) msg).readableBytes();
            ((ByteBuf) msg).release();
            if (read >= 16) {
                read = -1000;
                ctx.writeAndFlush(ctx.alloc().buffer(4).writeInt(0x20020000));
            }
        }
    }
}
