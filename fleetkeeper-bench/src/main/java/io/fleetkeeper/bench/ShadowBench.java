package io.fleetkeeper.bench;

import io.fleetkeeper.bench.ShadowClients.Device;
import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code shadow} mode (issue 6): N devices connect over MQTT/TLS with their device keys and subscribe to their
 * classic shadow's {@code update/delta}; operators PATCH desired state at fixed rates and the time from sending
 * the PATCH to the device receiving the delta is measured (the desired state carries the send time). Then the
 * devices publish reported state to {@code shadow/update}, a fixed number in flight, and the
 * {@code update/accepted} replies per second are counted.
 */
final class ShadowBench implements ShadowClients.Listener {

    static final String USAGE = """

            shadow options (device shadow; setup needs --platform-token the first time):
              --cache DIR               device ids and keys are kept here and reused (required; one per server/db)
              --devices N               connected devices (default 10000)
              --mqtt-host H, --mqtt-port P  MQTT over TLS endpoint (default 127.0.0.1:8883)
              --concurrency C           TLS + MQTT handshakes in flight while connecting (default 128)
              --io-threads T            client network threads (default 2)
              --rates R1,R2,...         operator PATCH rates in updates/s (default 200,500,1000; 0 = none)
              --http-clients H          concurrent operator HTTP clients (default 8)
              --duration S              seconds per rate (default 30); --warmup S before the first (default 5)
              --report-seconds S        seconds of device reported updates (default 30; 0 = skip)
              --report-inflight W       device updates awaiting update/accepted at any time (default 256)
              --server-pid PID          server process: its CPU use per phase
              --mosquitto PATH          the delivery baseline: the same devices on a private Mosquitto over TLS,
                                        one publisher sending to their delta topics at the same rates (default
                                        /usr/sbin/mosquitto; skipped with a message when absent)
              --no-mosquitto            leave out the baseline
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Bench b;
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private volatile String phase = "";
    private final Recorder delivery = new Recorder(3);
    private final AtomicLong deltas = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final Recorder reportLatency = new Recorder(3);
    private final java.util.concurrent.atomic.AtomicLongArray reportSent;
    private volatile boolean reporting;
    private final AtomicInteger nextReporter = new AtomicInteger();
    private final AtomicLong reportSeq = new AtomicLong();
    private volatile String lastRejection;
    private ShadowClients clients;
    private int n;

    ShadowBench(Bench bench) {
        this.b = bench;
        this.reportSent = new java.util.concurrent.atomic.AtomicLongArray(bench.intOpt("devices", 10_000));
    }

    void run() throws Exception {
        n = b.intOpt("devices", 10_000);
        Bench.CpuMeter.serverPid = b.longOpt("server-pid", 0);
        Path cache = Path.of(b.required("cache"));
        String token = prepare(cache);
        List<Device> devices = readDevices(cache.resolve("devices.tsv")).subList(0, n);
        var trusted = Crypto.certificates(Load.expect(b.http.send(HttpRequest.newBuilder(
                URI.create(b.url + "/pki/v1/platform/ca.pem")).GET().build(),
                HttpResponse.BodyHandlers.ofString()), 200).body());
        String host = b.opts.getOrDefault("mqtt-host", "127.0.0.1");
        int port = b.intOpt("mqtt-port", 8883);
        System.out.printf(Locale.ROOT, "Shadow benchmark: %,d devices over MQTT/TLS (device keys) at %s:%d, HTTP %s, "
                + "%d CPUs, load average %s%n", n, host, port, b.url, Runtime.getRuntime().availableProcessors(),
                Load.loadAverage());
        clients = new ShadowClients(devices, this, trusted, host, port, b.intOpt("io-threads", 2),
                b.intOpt("concurrency", 128));
        try {
            long t0 = System.nanoTime();
            Bench.CpuMeter cpu = Bench.CpuMeter.start();
            clients.connectAll();
            System.out.printf(Locale.ROOT, "Connected and subscribed %,d (%,d failed %s) in %.1f s; %s%n",
                    clients.ready.get(), clients.failed.get(), clients.failures, (System.nanoTime() - t0) / 1e9,
                    cpu.stop());
            Thread.sleep(3_000);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            int warmup = b.intOpt("warmup", 5);
            if (warmup > 0) {
                operators(http, token, devices, 200, warmup, "warmup");
            }
            for (String r : b.opts.getOrDefault("rates", "200,500,1000").split(",")) {
                if (r.isBlank() || r.trim().equals("0")) {
                    continue;
                }
                operators(http, token, devices, Integer.parseInt(r.trim()), b.intOpt("duration", 30), "measure");
            }
            int reportSecs = b.intOpt("report-seconds", 30);
            if (reportSecs > 0) {
                reported(reportSecs, b.intOpt("report-inflight", 256));
            }
            System.out.printf("End: %,d connections open, %d unexpected drops%n", clients.open(), clients.drops.get());
        } finally {
            clients.close();
        }
        if (!b.opts.containsKey("no-mosquitto")) {
            mosquittoBaseline(devices);
        }
    }

    // ------------------------------------------------------------------------------------------ baseline

    /**
     * The delivery baseline: the same devices connect over TLS to a private Mosquitto and subscribe to the same
     * topics, and one publisher sends each rate's messages straight to their {@code update/delta} topics, with the
     * send time inside as the operators' PATCHes carry it: a broker's publish-to-subscriber delivery on the same
     * machine in the same run, against which the server's PATCH-to-delta delivery compares.
     */
    private void mosquittoBaseline(List<Device> devices) throws Exception {
        String binary = b.opts.getOrDefault("mosquitto", Mosquitto.DEFAULT_BINARY);
        if (!Files.isExecutable(Path.of(binary))) {
            System.out.println("Baseline skipped: no mosquitto at " + binary + " (--mosquitto PATH)");
            return;
        }
        long savedPid = Bench.CpuMeter.serverPid;
        try (Mosquitto broker = Mosquitto.start(binary)) {
            Bench.CpuMeter.serverPid = broker.process().pid();
            clients = new ShadowClients(devices, this, List.of(broker.ca()), "127.0.0.1", broker.port(),
                    b.intOpt("io-threads", 2), b.intOpt("concurrency", 128));
            ShadowClients operator = new ShadowClients(List.of(new Device("bench-operator-" + run, "-")), this,
                    List.of(broker.ca()), "127.0.0.1", broker.port(), 1, 1);
            try {
                long t0 = System.nanoTime();
                clients.connectAll();
                operator.connectAll();
                System.out.printf(Locale.ROOT, "Baseline: connected and subscribed %,d devices to Mosquitto (%,d "
                        + "failed %s) in %.1f s%n", clients.ready.get(), clients.failed.get(), clients.failures,
                        (System.nanoTime() - t0) / 1e9);
                for (String r : b.opts.getOrDefault("rates", "200,500,1000").split(",")) {
                    if (!r.isBlank() && !r.trim().equals("0")) {
                        publishDeltas(operator, devices, Integer.parseInt(r.trim()), b.intOpt("duration", 30));
                    }
                }
            } finally {
                operator.close();
                clients.close();
            }
        } finally {
            Bench.CpuMeter.serverPid = savedPid;
        }
    }

    /** Publishes to the devices' delta topics in turn at {@code rate}/s for {@code seconds} and measures delivery. */
    private void publishDeltas(ShadowClients operator, List<Device> devices, int rate, int seconds) throws Exception {
        String tag = run + "-" + rate + "-baseline";
        phase = tag;
        delivery.reset();
        deltas.set(0);
        long total = (long) rate * seconds;
        long late = 0;
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        long t0 = System.nanoTime() + 50_000_000;
        for (long i = 0; i < total; i++) {
            long due = t0 + i * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -10_000_000) {
                late++;
            }
            Device d = devices.get((int) (i % devices.size()));
            operator.publish(0, "fk/" + d.id() + "/shadow/update/delta",
                    "{\"state\":{\"bench\":{\"t\":" + System.nanoTime() + ",\"p\":\"" + tag + "\"}}}");
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Bench.CpuMeter.Usage usage = cpu.stop();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (deltas.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Histogram d = delivery.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "baseline (Mosquitto, publish -> subscriber) %,d/s for %d s: %,d published, "
                + "%,d sent >10 ms late; achieved %,.0f/s; received %,d (%.2f %%): delivery p50 %.1f ms, p90 %.1f ms, "
                + "p99 %.1f ms, max %.1f ms; %s (server = Mosquitto)%n", rate, seconds, total, late, total / secs,
                deltas.get(), 100.0 * deltas.get() / Math.max(1, total), ms(d, 50), ms(d, 90), ms(d, 99),
                d.getMaxValue() / 1e6, usage);
    }

    // ------------------------------------------------------------------------------------------ operators

    /** PATCHes desired at {@code rate}/s for {@code seconds}, devices in turn, and measures delta delivery. */
    private void operators(HttpClient http, String token, List<Device> devices, int rate, int seconds, String kind)
            throws Exception {
        String tag = run + "-" + rate + "-" + kind;
        phase = tag;
        int senders = b.intOpt("http-clients", 8);
        long total = (long) rate * seconds;
        AtomicLong next = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong late = new AtomicLong();
        Recorder response = new Recorder(3);
        delivery.reset();
        deltas.set(0);
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        long t0 = System.nanoTime() + 50_000_000;
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            threads.add(Thread.ofPlatform().name("operator-" + s).start(() -> {
                long i;
                while ((i = next.getAndIncrement()) < total) {
                    long due = t0 + i * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else if (wait < -10_000_000) {
                        late.incrementAndGet();
                    }
                    Device d = devices.get((int) (i % devices.size()));
                    long sent = System.nanoTime();
                    String body = "{\"state\":{\"desired\":{\"bench\":{\"t\":" + sent + ",\"p\":\"" + tag
                            + "\"}}}}";
                    try {
                        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(b.url
                                + "/api/v1/devices/" + d.id() + "/shadow")).timeout(Duration.ofSeconds(30))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        response.recordValue(System.nanoTime() - sent);
                        if (res.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else if (errors.incrementAndGet() <= 3) {
                            System.out.println("  PATCH: HTTP " + res.statusCode() + " " + res.body());
                        }
                    } catch (Exception e) {
                        if (errors.incrementAndGet() <= 3) {
                            System.out.println("  PATCH failed: " + e);
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Bench.CpuMeter.Usage usage = cpu.stop();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (deltas.get() < ok.get() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Histogram d = delivery.getIntervalHistogram();
        Histogram r = response.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "%s %,d/s for %d s: %,d PATCH ok, %,d errors, %,d sent >10 ms late; achieved "
                + "%,.0f updates/s; PATCH response p50 %.1f ms p99 %.1f ms; deltas received %,d (%.2f %%): delivery "
                + "(PATCH sent -> delta) p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; %s%n", kind, rate, seconds,
                ok.get(), errors.get(), late.get(), ok.get() / secs, ms(r, 50), ms(r, 99), deltas.get(),
                100.0 * deltas.get() / Math.max(1, ok.get()), ms(d, 50), ms(d, 90), ms(d, 99), d.getMaxValue() / 1e6,
                usage);
    }

    @Override
    public void delta(int device, String payload, long nanos) {
        String tag = phase;
        int p = payload.indexOf("\"p\":\"");
        if (p < 0 || !payload.startsWith(tag, p + 5)) {
            return;
        }
        int t = payload.indexOf("\"t\":");
        if (t < 0) {
            return;
        }
        int end = t + 4;
        while (end < payload.length() && Character.isDigit(payload.charAt(end))) {
            end++;
        }
        long sent = Long.parseLong(payload, t + 4, end, 10);
        delivery.recordValue(Math.max(0, nanos - sent));
        deltas.incrementAndGet();
    }

    // ------------------------------------------------------------------------------------------ devices

    /** Devices publish reported state, {@code inflight} awaiting their reply, for {@code seconds}. */
    private void reported(int seconds, int inflight) throws Exception {
        System.out.printf(Locale.ROOT, "Device reported updates for %d s, %d in flight %s...%n", seconds, inflight,
                Load.now());
        accepted.set(0);
        rejected.set(0);
        reportLatency.reset();
        reporting = true;
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        long t0 = System.nanoTime();
        for (int i = 0; i < inflight; i++) {
            sendReport();
        }
        long last = 0;
        for (int s = 1; s <= seconds; s++) {
            Thread.sleep(Math.max(0, t0 + s * 1_000_000_000L - System.nanoTime()) / 1_000_000);
            if (s % 10 == 0) {
                long a = accepted.get();
                System.out.printf(Locale.ROOT, "  ... %,d accepted in the last 10 s (%,.0f/s)%n", a - last,
                        (a - last) / 10.0);
                last = a;
            }
        }
        reporting = false;
        double secs = (System.nanoTime() - t0) / 1e9;
        Bench.CpuMeter.Usage usage = cpu.stop();
        Thread.sleep(2_000);
        Histogram h = reportLatency.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "reported: %,d accepted, %,d rejected in %.1f s: %,.0f accepted/s; update -> "
                + "accepted p50 %.1f ms, p99 %.1f ms; %s%s%n", accepted.get(), rejected.get(), secs,
                accepted.get() / secs, ms(h, 50), ms(h, 99), usage,
                lastRejection == null ? "" : "; last rejection: " + lastRejection);
    }

    private void sendReport() {
        if (!reporting) {
            return;
        }
        for (int tries = 0; tries < n; tries++) {
            int d = Math.floorMod(nextReporter.getAndIncrement(), n);
            if (clients.conns[d].ready && reportSent.compareAndSet(d, 0, System.nanoTime())) {
                clients.publishUpdate(d, "{\"state\":{\"reported\":{\"seq\":" + reportSeq.incrementAndGet()
                        + ",\"temp\":" + ThreadLocalRandom.current().nextInt(100) + "}}}");
                return;
            }
        }
    }

    @Override
    public void accepted(int device, String payload, long nanos) {
        replied(device, nanos);
        accepted.incrementAndGet();
    }

    @Override
    public void rejected(int device, String payload, long nanos) {
        lastRejection = payload;
        replied(device, nanos);
        rejected.incrementAndGet();
    }

    private void replied(int device, long nanos) {
        long sent = reportSent.getAndSet(device, 0);
        if (sent != 0) {
            reportLatency.recordValue(Math.max(0, nanos - sent));
            sendReport();
        }
    }

    // ------------------------------------------------------------------------------------------ setup

    /** Tenant token and N devices with keys in {@code cache} (created through the API the first time). */
    private String prepare(Path cache) throws Exception {
        Files.createDirectories(cache);
        Path tokenFile = cache.resolve("tenant-token");
        Path devicesFile = cache.resolve("devices.tsv");
        String token;
        if (Files.exists(tokenFile)) {
            token = Files.readString(tokenFile).trim();
        } else {
            token = b.createTenant(b.required("platform-token"));
            Files.writeString(tokenFile, token + "\n");
        }
        int have = Files.exists(devicesFile) ? readDevices(devicesFile).size() : 0;
        if (have >= n) {
            return token;
        }
        Bench.IdSet ids = b.importDevices(token, n - have, 0);
        System.out.printf(Locale.ROOT, "Rotating %,d device keys (to learn them)...%n", ids.size());
        String[] keys = new String[ids.size()];
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 16; c++) {
                pool.execute(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < keys.length) {
                        try {
                            HttpResponse<String> res = b.http.send(HttpRequest.newBuilder(URI.create(b.url
                                    + "/api/v1/devices/" + ids.get(i) + "/device-key/rotate"))
                                    .header("Authorization", "Bearer " + token)
                                    .POST(HttpRequest.BodyPublishers.noBody()).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            JsonNode body = JSON.readTree(Load.expect(res, 200).body());
                            keys[i] = body.path("device_key").asString();
                        } catch (Exception e) {
                            System.out.println("  rotate failed: " + e);
                        }
                    }
                });
            }
        }
        System.out.printf(Locale.ROOT, "  in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        try (BufferedWriter w = Files.newBufferedWriter(devicesFile, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != null && !keys[i].isEmpty()) {
                    w.write(ids.get(i) + "\t" + keys[i] + "\n");
                }
            }
        }
        return token;
    }

    private static List<Device> readDevices(Path file) throws Exception {
        List<Device> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t");
            if (f.length == 2) {
                out.add(new Device(f[0], f[1]));
            }
        }
        return out;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }
}
