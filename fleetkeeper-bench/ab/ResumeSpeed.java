/*
 * Server-side thread CPU per TLS 1.3 handshake in process (BoringSSL both ends, no sockets, the MQTT endpoint's
 * session settings): a full mutual-TLS handshake against a resumed one (the client keeps the session tickets sent with
 * the first write), alternated, ROUNDS rounds of N handshakes. The trust manager accepts any chain, so the full
 * handshake here does not include the endpoint's chain check (~70-90 us warm, see docs/benchmarks.md). Run against a
 * server jar's classes like FirstWriteSpeed.java: java -cp .:$CP ResumeSpeed 6 1000
 */
import io.netty.buffer.*; import io.netty.channel.embedded.EmbeddedChannel; import io.netty.handler.ssl.*; import io.netty.handler.ssl.util.*;
import java.lang.management.ManagementFactory;
public class ResumeSpeed {
  static final com.sun.management.ThreadMXBean T = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  static long cpu;
  public static void main(String[] a) throws Exception {
    int rounds = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]);
    SelfSignedCertificate cert = new SelfSignedCertificate("device.test", "EC", 256);
    SslContext server = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.OPENSSL).protocols("TLSv1.3","TLSv1.2").clientAuth(ClientAuth.OPTIONAL).trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    ((ReferenceCountedOpenSslContext) server).setBioNonApplicationBufferSize(256);
    SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).protocols("TLSv1.3").keyManager(cert.key(), cert.cert()).trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    run(server, client, false, n); run(server, client, true, n);
    double sf = 0, sr = 0;
    for (int r = 0; r < rounds; r++) {
      boolean[] order = r % 2 == 0 ? new boolean[]{false, true} : new boolean[]{true, false};
      for (boolean res : order) { int reused = run(server, client, res, n); double us = cpu / 1000.0 / n;
        System.out.printf("round %d %s: server CPU %.1f us per handshake (%d of %d resumed)%n", r + 1, res ? "resumed" : "full   ", us, reused, n);
        if (res) sr += us; else sf += us; }
    }
    System.out.printf("mean: full %.1f us, resumed %.1f us, resumed/full %.3f%n", sf / rounds, sr / rounds, sr / sf);
  }
  static int port = 1;
  static int run(SslContext server, SslContext client, boolean resume, int n) {
    cpu = 0; int reused = 0;
    for (int i = 0; i < n; i++) {
      int p = resume ? 8883 : 10000 + (port++ % 50000); // a new peer port: no cached session for it
      EmbeddedChannel s = new EmbeddedChannel(server.newHandler(ByteBufAllocator.DEFAULT));
      EmbeddedChannel c = new EmbeddedChannel(client.newHandler(ByteBufAllocator.DEFAULT, "device.test", p));
      pump(c, s);
      s.writeAndFlush(Unpooled.wrappedBuffer(new byte[4])); pump(c, s); // the first write carries the tickets
      var se = (ReferenceCountedOpenSslEngine) s.pipeline().get(SslHandler.class).engine();
      if (io.netty.internal.tcnative.SSL.isSessionReused(se.sslPointer())) reused++;
      Object o; while ((o = c.readInbound()) != null) ((ByteBuf) o).release();
      s.finishAndReleaseAll(); c.finishAndReleaseAll();
    }
    return reused;
  }
  static void pump(EmbeddedChannel c, EmbeddedChannel s) {
    for (boolean moved = true; moved; ) { moved = false; Object o;
      while ((o = c.readOutbound()) != null) { long t0 = T.getCurrentThreadCpuTime(); s.writeInbound(o); s.runPendingTasks(); cpu += T.getCurrentThreadCpuTime() - t0; moved = true; }
      while ((o = s.readOutbound()) != null) { c.writeInbound(o); moved = true; }
      c.runPendingTasks(); }
  }
}
