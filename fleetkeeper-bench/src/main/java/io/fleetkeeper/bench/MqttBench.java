package io.fleetkeeper.bench;

import io.fleetkeeper.bench.MqttClients.Conn;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code mqtt} mode (issue 5): N devices connect over MQTT/TLS with client certificates at a bounded number of
 * handshakes in flight, stay connected for a while, then 1 % of their certificates are revoked and the time
 * until the server closes each of those sessions is measured. Runs against Fleetkeeper or, as a baseline,
 * against a Mosquitto broker trusting the same tenant CA.
 */
final class MqttBench {

    static final String USAGE = """

            mqtt options (MQTT connections; setup needs --platform-token or --tenant-token the first time):
              --cache DIR               devices, keys and certificates are kept here and reused (required)
              --devices N               connections = devices (default 19000)
              --target T                fleetkeeper (default) or mosquitto
              --mqtt-host H, --mqtt-port P  MQTT over TLS endpoint (default 127.0.0.1:8883)
              --ca-file FILE            CA the MQTT server certificate must chain to (default: the platform CA
                                        from GET /pki/v1/platform/ca.pem, for Fleetkeeper)
              --concurrency C           TLS + MQTT handshakes in flight (default 256)
              --io-threads T            client network threads (default 2)
              --source-addresses K      bind to 127.0.0.2..127.0.0.(K+1) (default: one per 25,000 connections)
              --warmup-connections W    connect and close the last W devices first, not measured (default 2000)
              --hold S                  seconds to hold all connections (default 300)
              --revoke-percent P        certificates revoked after the hold (default 1; 0 = skip)
              --revoke-clients R        concurrent revoke requests (default 4)
              --server-pid PID          server (or Mosquitto) process: RSS and CPU from /proc
              --server-gc               run jcmd PID GC.run before heap and RSS readings (JVM servers)
              --summary FILE            write the figures as JSON; --compare FILE prints ratios to such a file
              --prepare-mosquitto DIR   write a Mosquitto TLS config (bench CA, server certificate for
                                        --mqtt-host, tenant CA as client CA, port --mqtt-port) and exit
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Bench b;
    private final Map<String, Object> summary = new LinkedHashMap<>();

    MqttBench(Bench bench) {
        this.b = bench;
    }

    void run() throws Exception {
        int n = b.intOpt("devices", 19_000);
        String target = b.opts.getOrDefault("target", "fleetkeeper");
        boolean fleetkeeper = target.equals("fleetkeeper");
        String host = b.opts.getOrDefault("mqtt-host", "127.0.0.1");
        int port = b.intOpt("mqtt-port", 8883);
        long pid = b.longOpt("server-pid", 0);
        Bench.CpuMeter.serverPid = pid;
        long self = ProcessHandle.current().pid();
        MqttFleet fleet = MqttFleet.load(b, Path.of(b.required("cache")), n);
        if (b.opts.containsKey("prepare-mosquitto")) {
            prepareMosquitto(fleet, Path.of(b.opts.get("prepare-mosquitto")), host, port);
            return;
        }
        List<X509Certificate> trusted = b.opts.containsKey("ca-file")
                ? Crypto.certificates(Files.readString(Path.of(b.opts.get("ca-file"))))
                : Crypto.certificates(Load.expect(b.http.send(HttpRequest.newBuilder(
                        URI.create(b.url + "/pki/v1/platform/ca.pem")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()), 200).body());
        int sources = b.intOpt("source-addresses", Math.max(1, (n + 24_999) / 25_000));
        int concurrency = b.intOpt("concurrency", 256);
        System.out.printf(Locale.ROOT, "MQTT benchmark against %s at %s:%d: %,d devices, %d handshakes in flight, "
                + "%d source address(es), %d CPUs, open-file limit of this process %s, load average %s%n", target,
                host, port, n, concurrency, sources, Runtime.getRuntime().availableProcessors(), fdLimit(),
                Load.loadAverage());
        summary.put("target", target);
        summary.put("devices", n);

        int warmup = Math.min(n, b.intOpt("warmup-connections", 2_000));
        if (warmup > 0) {
            System.out.printf(Locale.ROOT, "Warm-up (not measured): %,d connections of the last devices, then closed %s"
                    + "...%n", warmup, Load.now());
            long w0 = System.nanoTime();
            try (MqttClients w = new MqttClients(fleet.devices.subList(n - warmup, n), trusted, host, port,
                    b.intOpt("io-threads", 2), concurrency, sources, 30_000)) {
                w.connectAll(null);
                System.out.printf(Locale.ROOT, "  %,d connected, %,d failed in %.1f s %s%n", w.connected.get(),
                        w.failed.get(), (System.nanoTime() - w0) / 1e9, w.failures.isEmpty() ? "" : w.failures);
            }
            Thread.sleep(5_000);
        }
        long rssIdle = rss(pid, fleetkeeper);
        long heapIdle = heap(fleetkeeper);
        System.out.printf(Locale.ROOT, "Server before connecting: RSS %s, heap used %s%n", ProcFigures.mb(rssIdle),
                heapIdle < 0 ? "n/a" : ProcFigures.mb(heapIdle / 1024));

        try (MqttClients clients = new MqttClients(fleet.devices, trusted, host, port, b.intOpt("io-threads", 2),
                concurrency, sources, 30_000)) {
            // ---------------------------------------------------------------------- connect
            System.out.printf("Connecting %s...%n", Load.now());
            double srvCpu0 = ProcFigures.cpuSeconds(pid);
            double benchCpu0 = ProcFigures.cpuSeconds(self);
            Bench.CpuMeter cpu = Bench.CpuMeter.start();
            long t0 = System.nanoTime();
            long[] lastPrint = {t0};
            clients.connectAll(() -> {
                long now = System.nanoTime();
                if (now - lastPrint[0] > 5e9) {
                    lastPrint[0] = now;
                    double s = (now - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "  ... %,d connected, %,d failed in %.0f s (%,.0f/s)%n",
                            clients.connected.get(), clients.failed.get(), s, clients.connected.get() / s);
                }
            });
            double secs = (System.nanoTime() - t0) / 1e9;
            Bench.CpuMeter.Usage usage = cpu.stop();
            double srvCpu = ProcFigures.cpuSeconds(pid) - srvCpu0;
            double benchCpu = ProcFigures.cpuSeconds(self) - benchCpu0;
            Histogram h = clients.connectLatency.getIntervalHistogram();
            long ok = clients.connected.get();
            double rate = ok / secs;
            System.out.printf(Locale.ROOT, "Connected %,d of %,d in %.1f s: %,.0f handshakes/s (%s, %s); connect "
                    + "(TCP start -> CONNACK) p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; %s%n", ok, n, secs,
                    rate, clients.protocol[0], clients.protocol[1], ms(h, 50), ms(h, 90), ms(h, 99),
                    h.getMaxValue() / 1e6, usage);
            System.out.printf(Locale.ROOT, "  CPU during connect: server %.1f s (%.3f ms per handshake), bench %.1f s "
                    + "(%.3f ms per handshake)%n", srvCpu, 1000 * srvCpu / ok, benchCpu, 1000 * benchCpu / ok);
            if (clients.failed.get() > 0) {
                System.out.println("  FAILED connections: " + clients.failures);
            }
            summary.put("connected", ok);
            summary.put("failed", clients.failed.get());
            summary.put("failures", clients.failures.toString());
            summary.put("tls", clients.protocol[0] + " " + clients.protocol[1]);
            summary.put("connect_seconds", secs);
            summary.put("handshakes_per_s", rate);
            summary.put("connect_p50_ms", ms(h, 50));
            summary.put("connect_p99_ms", ms(h, 99));
            summary.put("connect_max_ms", h.getMaxValue() / 1e6);
            summary.put("server_cpu_connect_s", srvCpu);
            summary.put("server_cpu_ms_per_handshake", 1000 * srvCpu / ok);
            summary.put("bench_cpu_connect_s", benchCpu);
            summary.put("machine_busy_connect", usage.machineBusy());

            Thread.sleep(5_000);
            long rssN = rss(pid, fleetkeeper);
            long heapN = heap(fleetkeeper);
            System.out.printf(Locale.ROOT, "Server at %,d connections: RSS %s (+%s, %.1f KB per connection), heap "
                    + "used %s%s; server open files %s; bench RSS %s%n", clients.open(), ProcFigures.mb(rssN),
                    ProcFigures.mb(rssN - rssIdle), (rssN - rssIdle) / (double) ok,
                    heapN < 0 ? "n/a" : ProcFigures.mb(heapN / 1024),
                    heapN < 0 ? "" : String.format(Locale.ROOT, " (+%.1f KB per connection)",
                            (heapN - heapIdle) / 1024.0 / ok), pid > 0 ? ProcFigures.openFiles(pid) : "?",
                    ProcFigures.mb(ProcFigures.rssKb(self)));
            summary.put("server_rss_idle_kb", rssIdle);
            summary.put("server_rss_n_kb", rssN);
            summary.put("rss_kb_per_connection", (rssN - rssIdle) / (double) ok);
            summary.put("heap_idle_bytes", heapIdle);
            summary.put("heap_n_bytes", heapN);

            // ---------------------------------------------------------------------- hold
            int hold = b.intOpt("hold", 300);
            System.out.printf("Holding for %d s %s...%n", hold, Load.now());
            srvCpu0 = ProcFigures.cpuSeconds(pid);
            benchCpu0 = ProcFigures.cpuSeconds(self);
            long h0 = System.nanoTime();
            long holdEnd = h0 + hold * 1_000_000_000L;
            while (System.nanoTime() < holdEnd) {
                Thread.sleep(Math.min(30_000, Math.max(1, (holdEnd - System.nanoTime()) / 1_000_000)));
                System.out.printf(Locale.ROOT, "  %s %,d open, %d unexpected drops, %,d PINGREQ sent, %,d PINGRESP; "
                        + "server RSS %s%n", Load.now(), clients.open(), clients.drops.get(), clients.pingsSent.get(),
                        clients.pingResponses.get(), ProcFigures.mb(ProcFigures.rssKb(pid)));
            }
            double holdSecs = (System.nanoTime() - h0) / 1e9;
            srvCpu = ProcFigures.cpuSeconds(pid) - srvCpu0;
            benchCpu = ProcFigures.cpuSeconds(self) - benchCpu0;
            long rssHeld = rss(pid, fleetkeeper);
            System.out.printf(Locale.ROOT, "After %.0f s hold: %,d open, %d unexpected drops, %,d/%,d PINGRESP/PINGREQ; "
                    + "server CPU %.2f cores (%.1f s), bench %.2f cores; server RSS %s%n", holdSecs, clients.open(),
                    clients.drops.get(), clients.pingResponses.get(), clients.pingsSent.get(), srvCpu / holdSecs, srvCpu,
                    benchCpu / holdSecs, ProcFigures.mb(rssHeld));
            summary.put("hold_seconds", holdSecs);
            summary.put("drops_after_hold", clients.drops.get());
            summary.put("pings", clients.pingsSent.get());
            summary.put("pongs", clients.pingResponses.get());
            summary.put("server_cores_hold", srvCpu / holdSecs);
            summary.put("server_rss_after_hold_kb", rssHeld);

            // ---------------------------------------------------------------------- revocation
            double percent = Double.parseDouble(b.opts.getOrDefault("revoke-percent", "1"));
            List<Integer> revoked = List.of();
            if (!fleetkeeper) {
                System.out.println("Revocation: not applicable (Mosquitto reads its CRL at start only)");
            } else if (percent > 0) {
                revoked = revoke(fleet, clients, percent);
            }
            Thread.sleep(2_000);
            long openNow = clients.open();
            System.out.printf(Locale.ROOT, "End: %,d open (expected %,d), %d unexpected drops of non-revoked sessions"
                    + " over the whole run%n", openNow, ok - revoked.size(), clients.drops.get());
            summary.put("drops_total", clients.drops.get());
            summary.put("open_at_end", openNow);
            writeSummary();
            if (!revoked.isEmpty()) {
                clients.close();
                System.out.printf("Re-issuing the %d revoked devices' certificates so the cache stays usable...%n",
                        revoked.size());
                fleet.reissue(revoked);
            }
        }
    }

    /** Revokes {@code percent} % of the open sessions' certificates and times how soon each session is closed. */
    private List<Integer> revoke(MqttFleet fleet, MqttClients clients, double percent) throws Exception {
        int stride = (int) Math.max(1, Math.round(100 / percent));
        List<Conn> victims = new ArrayList<>();
        for (int i = stride / 2; i < clients.conns.length; i += stride) {
            if (clients.conns[i].open()) {
                victims.add(clients.conns[i]);
            }
        }
        int parallel = b.intOpt("revoke-clients", 4);
        System.out.printf("Revoking %d certificates (every %dth device), %d requests in flight %s...%n",
                victims.size(), stride, parallel, Load.now());
        ConcurrentLinkedQueue<Conn> queue = new ConcurrentLinkedQueue<>(victims);
        Recorder requestTimes = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < parallel; p++) {
                pool.execute(() -> {
                    Conn c;
                    while ((c = queue.poll()) != null) {
                        c.expectClose = true;
                        long s = System.nanoTime();
                        c.revokeSentNanos = s;
                        try {
                            fleet.revoke(fleet.devices.get(c.index));
                            c.revokedNanos = System.nanoTime();
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            System.out.println("  revoke failed: " + e.getMessage());
                        }
                        requestTimes.recordValue(System.nanoTime() - s);
                    }
                });
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long waitUntil = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < waitUntil && victims.stream().anyMatch(c -> c.closedNanos == 0)) {
            Thread.sleep(50);
        }
        Histogram req = requestTimes.getIntervalHistogram();
        Histogram close = new Histogram(3);
        Histogram fromRequest = new Histogram(3);
        int within1s = 0;
        int notClosed = 0;
        int beforeResponse = 0;
        int disconnects = 0;
        for (Conn c : victims) {
            if (c.closedNanos == 0) {
                notClosed++;
                continue;
            }
            disconnects += c.disconnectReceived ? 1 : 0;
            fromRequest.recordValue(Math.max(0, c.closedNanos - c.revokeSentNanos));
            long d = c.closedNanos - c.revokedNanos;
            if (d < 0) {
                beforeResponse++;
                d = 0;
            }
            close.recordValue(d);
            within1s += d <= 1_000_000_000L ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "Revoked %d in %.2f s (%,.0f/s; request p50 %.1f ms, p99 %.1f ms, %d errors)%n",
                victims.size(), secs, victims.size() / secs, ms(req, 50), ms(req, 99), errors.get());
        System.out.printf(Locale.ROOT, "Session closed after the revoke response: %d/%d within 1 s, %d not closed "
                + "after 10 s, %d closed before the response arrived; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                + "%d got a DISCONNECT first%n", within1s, victims.size(), notClosed, beforeResponse, ms(close, 50),
                ms(close, 99), close.getMaxValue() / 1e6, disconnects);
        System.out.printf(Locale.ROOT, "  from sending the revoke request to the close: p50 %.1f ms, p99 %.1f ms, max %.1f"
                + " ms%n", ms(fromRequest, 50), ms(fromRequest, 99), fromRequest.getMaxValue() / 1e6);
        summary.put("revoked", victims.size());
        summary.put("revoke_per_s", victims.size() / secs);
        summary.put("revoke_closed_within_1s", within1s);
        summary.put("revoke_not_closed", notClosed);
        summary.put("revoke_close_p50_ms", ms(close, 50));
        summary.put("revoke_close_p99_ms", ms(close, 99));
        summary.put("revoke_close_max_ms", close.getMaxValue() / 1e6);
        summary.put("revoke_close_from_request_p50_ms", ms(fromRequest, 50));
        summary.put("revoke_close_from_request_p99_ms", ms(fromRequest, 99));
        summary.put("revoke_close_from_request_max_ms", fromRequest.getMaxValue() / 1e6);
        return victims.stream().map(c -> c.index).toList();
    }

    private long rss(long pid, boolean jvm) {
        if (jvm && pid > 0 && b.opts.containsKey("server-gc")) {
            ProcFigures.fullGc(pid);
        }
        return ProcFigures.rssKb(pid);
    }

    private long heap(boolean fleetkeeper) {
        return fleetkeeper ? ProcFigures.heapUsed(b.http, b.url, b.opts.get("platform-token")) : -1;
    }

    private void writeSummary() throws Exception {
        if (b.opts.containsKey("summary")) {
            Files.writeString(Path.of(b.opts.get("summary")), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(summary));
        }
        if (!b.opts.containsKey("compare")) {
            return;
        }
        JsonNode base = JSON.readTree(Files.readString(Path.of(b.opts.get("compare"))));
        System.out.printf("Ratios %s / %s:%n", summary.get("target"), base.path("target").asString());
        for (String k : List.of("handshakes_per_s", "connect_p50_ms", "connect_p99_ms", "rss_kb_per_connection",
                "server_cpu_ms_per_handshake", "server_cores_hold")) {
            double mine = ((Number) summary.get(k)).doubleValue();
            double theirs = base.path(k).asDouble();
            System.out.printf(Locale.ROOT, "  %-30s %10.3f / %10.3f = %.2f%n", k, mine, theirs, mine / theirs);
        }
    }

    /** Writes a private Mosquitto TLS configuration: a bench CA, a server certificate, the tenant CA as client CA. */
    private void prepareMosquitto(MqttFleet fleet, Path dir, String host, int port) throws Exception {
        Files.createDirectories(dir);
        Crypto.Ca ca = Crypto.selfSignedCa("bench mosquitto CA");
        KeyPair kp = Crypto.ecKey();
        Files.writeString(dir.resolve("ca.pem"), Crypto.pem(ca.certificate()));
        Files.writeString(dir.resolve("server.pem"), Crypto.pem(Crypto.serverCertificate(ca, kp.getPublic(), host)));
        Files.writeString(dir.resolve("server.key"), Crypto.pkcs8Pem(kp.getPrivate()));
        StringBuilder clientCa = new StringBuilder();
        fleet.tenantCa.forEach(c -> clientCa.append(Crypto.pem(c)));
        Files.writeString(dir.resolve("clients-ca.pem"), clientCa);
        Path abs = dir.toAbsolutePath();
        Files.writeString(dir.resolve("mosquitto.conf"), """
                # private Mosquitto for the fleetkeeper-bench mqtt baseline (not the system broker)
                per_listener_settings false
                persistence false
                log_dest stdout
                log_type error
                log_type warning
                connection_messages false
                allow_anonymous false
                max_keepalive 65535
                listener %d %s
                max_connections -1
                cafile %s/clients-ca.pem
                certfile %s/server.pem
                keyfile %s/server.key
                require_certificate true
                use_identity_as_username true
                """.formatted(port, host, abs, abs, abs));
        System.out.printf("Wrote %s/mosquitto.conf (listener %s:%d); start it with: ulimit -n 20000; mosquitto -c "
                + "%s/mosquitto.conf%nThen: mqtt --target mosquitto --mqtt-port %d --ca-file %s/ca.pem ...%n", abs, host,
                port, abs, port, abs);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e6;
    }

    private static String fdLimit() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String[] f = l.substring(26).trim().split("\\s+");
                    return f[0] + " (hard " + f[1] + ")";
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return "?";
    }
}
