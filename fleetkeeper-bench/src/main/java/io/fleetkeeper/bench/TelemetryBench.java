package io.fleetkeeper.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.PublishAck;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.TrustManagerFactory;
import org.HdrHistogram.Recorder;
import org.postgresql.PGConnection;

/**
 * {@code telemetry} mode. MQTT: {@code --devices} devices (default 10,000), each its own MQTT 5 connection over TLS
 * with its device key (HiveMQ client, all connections sharing a few event loops), offered a fixed total rate
 * ({@code --rate} messages/s, round robin over the devices) of QoS 1 publishes of 5 numeric metrics for
 * {@code --duration} seconds; a PUBACK means durable. Figures: accepted messages/s (whole run and the slowest
 * 10-second interval), PUBACK latency, publish→queryable latency of a sample of messages (a poller looks for their
 * rows in the store every 20 ms), and the CPU of the server, NATS and PostgreSQL from {@code /proc/PID/stat}.
 * Then HTTPS batches, the baselines in the same run (the same envelopes raw to JetStream; the same rows by
 * PostgreSQL {@code COPY}, narrow and as one JSONB row a message), and the three queries of the target (30 days of
 * one device downsampled to 1 h; latest values for a page of 1,000 devices; {@code telemetry.battery < 20} over
 * {@code --fleet-devices} devices), whose data is seeded straight into the store with SQL (with the hourly rollup
 * the writer would have maintained, when the server has one; without the MQTT phase, 1,000 devices are imported
 * for the latest values).
 */
final class TelemetryBench {

    static final String USAGE = """

            telemetry options (needs --platform-token: creates tenants and their devices):
              --devices N               MQTT devices, each with a device key and its own connection (default 10000)
              --rate R                  offered QoS 1 publishes per second, all devices together (default 30000)
              --duration S              seconds of the MQTT phase (default 300)
              --connect-concurrency C   TLS connects in progress at once (default 64)
              --mqtt-threads T          event-loop threads shared by all MQTT connections (default 2)
              --max-inflight F          publishes awaiting PUBACK beyond which the offered rate is not sent (default 50000)
              --samples-per-second K    publish→queryable samples (default 10; needs --jdbc)
              --device-url U            device HTTPS listener (default https://127.0.0.1:8443)
              --mqtt-host H, --mqtt-port P  MQTT over TLS endpoint (default 127.0.0.1:8883)
              --https-duration S        seconds of HTTPS batches after MQTT (default 20; 0 skips)
              --batch B                 messages per HTTPS request (default 100); --http-clients H (default 8)
              --baseline-duration S     seconds of each baseline (default 20)
              --nats URL                baseline: raw JetStream publishes of the same envelopes; NATS CPU
              --jdbc URL                the server's PostgreSQL database: samples, query data, COPY baselines,
                                        PostgreSQL CPU (its backends, WAL writer, checkpointer, background writer)
              --query-days D            days of one device at one message per 10 s for the downsampling query (30)
              --fleet-devices N         devices of the telemetry.battery < 20 query (default 1000000; 0 skips)
              --query-warmups W         unrecorded requests before each timed query (default 3; the JIT is still cold after 3)
              --fleet-import N          of which imported through the API (default 10000; the rest copied by SQL)
              --phases P                comma-separated: mqtt,https,baselines,queries,fleet (default all)
              --server-pid PID          server process: its CPU use per phase
              --nats-pid PID            the NATS server's process (default: every nats-server process)
            """;

    private static final String[] METRICS = {"temp", "humidity", "battery", "voltage", "rssi"};

    private final Bench b;
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final List<String[]> results = new ArrayList<>();
    private final List<String[]> queries = new ArrayList<>();
    private String tenantId;
    private String token;

    TelemetryBench(Bench bench) {
        this.b = bench;
    }

    void run() throws Exception {
        Bench.CpuMeter.serverPid = b.longOpt("server-pid", 0);
        int n = b.intOpt("devices", 10_000);
        String deviceUrl = Bench.stripSlash(b.opts.getOrDefault("device-url", "https://127.0.0.1:8443"));
        System.out.printf(Locale.ROOT, "%s Telemetry benchmark against %s, %s and MQTT %s:%s; %d devices, %d/s "
                + "offered for %d s, %d CPUs, load average %s%n", Load.now(), b.url, deviceUrl,
                b.opts.getOrDefault("mqtt-host", "127.0.0.1"), b.opts.getOrDefault("mqtt-port", "8883"), n,
                b.intOpt("rate", 30_000), b.intOpt("duration", 300), Runtime.getRuntime().availableProcessors(),
                Load.loadAverage());
        List<String> phases = List.of(b.opts.getOrDefault("phases", "mqtt,https,baselines,queries,fleet").split(","));
        Bench.NewTenant tenant = b.newTenant(b.required("platform-token"));
        tenantId = tenant.id();
        token = tenant.token();
        if (phases.contains("mqtt") || phases.contains("https")) {
            List<String[]> devices = devicesWithKeys(n);
            X509Certificate ca = Crypto.certificates(Load.expect(b.http.send(HttpRequest.newBuilder(
                    URI.create(b.url + "/pki/v1/platform/ca.pem")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()), 200).body()).getFirst();
            if (phases.contains("mqtt")) {
                mqtt(devices, ca);
            }
            int httpsSeconds = b.intOpt("https-duration", 20);
            if (httpsSeconds > 0 && phases.contains("https")) {
                https(devices, ca, deviceUrl, httpsSeconds);
            }
        }
        int baseline = b.intOpt("baseline-duration", 20);
        if (b.opts.containsKey("nats") && phases.contains("baselines")) {
            natsBaseline(b.opts.get("nats"), baseline);
        }
        if (b.opts.containsKey("jdbc")) {
            if (phases.contains("baselines")) {
                copyBaseline(b.opts.get("jdbc"), baseline, false);
                copyBaseline(b.opts.get("jdbc"), baseline, true);
            }
            if (phases.contains("queries")) {
                queryBenchmarks(b.opts.get("jdbc"));
            }
            if (phases.contains("fleet")) {
                fleetQuery(b.opts.get("jdbc"));
            }
        }
        System.out.println();
        System.out.println("| path | messages/s | detail |");
        System.out.println("| --- | --- | --- |");
        results.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
        if (!queries.isEmpty()) {
            System.out.println();
            System.out.println("| query | p50 | p95 | detail |");
            System.out.println("| --- | --- | --- | --- |");
            queries.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
        }
        System.out.println("load average at the end: " + Load.loadAverage());
    }

    /** Imports the devices, then gives each a device key (32 requests at a time). */
    private List<String[]> devicesWithKeys(int n) throws Exception {
        Bench.IdSet ids = b.importDevices(token, n, 0);
        String[][] keys = new String[ids.size()][];
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> error = new AtomicReference<>();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 32; c++) {
                pool.execute(() -> {
                    int i;
                    while (error.get() == null && (i = next.getAndIncrement()) < keys.length) {
                        String id = ids.get(i).toString();
                        try {
                            keys[i] = new String[] {id, post(token, "/api/v1/devices/" + id + "/device-key/rotate",
                                    "{}", 200, "device_key")};
                        } catch (Exception e) {
                            error.compareAndSet(null, e);
                        }
                    }
                });
            }
        }
        if (error.get() != null) {
            throw error.get();
        }
        System.out.printf(Locale.ROOT, "%s %,d device keys in %.1f s%n", Load.now(), keys.length,
                (System.nanoTime() - t0) / 1e9);
        return List.of(keys);
    }

    private static String message(String msgId) {
        long now = System.currentTimeMillis();
        return "{\"msg_id\":\"" + msgId + "\",\"ts\":" + now + ",\"temp\":21.5,\"humidity\":40.25,\"battery\":87,"
                + "\"voltage\":3.71,\"rssi\":-67}";
    }

    /** One publish→queryable sample: the message, and when it was handed to the client. */
    private record Sample(String device, String msgId, long sentNanos) {
    }

    private void mqtt(List<String[]> devices, X509Certificate ca) throws Exception {
        int n = devices.size();
        int rate = b.intOpt("rate", 30_000);
        int seconds = b.intOpt("duration", 300);
        int maxInflight = b.intOpt("max-inflight", 50_000);
        int samplesPerSecond = b.intOpt("samples-per-second", 10);
        String host = b.opts.getOrDefault("mqtt-host", "127.0.0.1");
        int port = b.intOpt("mqtt-port", 8883);
        TrustManagerFactory trust = Crypto.trust(ca);
        int threads = b.intOpt("mqtt-threads", 2);
        Mqtt5AsyncClient[] clients = new Mqtt5AsyncClient[n];
        Semaphore gate = new Semaphore(b.intOpt("connect-concurrency", 64));
        AtomicLong connectFailed = new AtomicLong();
        Bench.CpuMeter connectCpu = Bench.CpuMeter.start();
        long c0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String[] d = devices.get(i);
            Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(d[0]).serverHost(host)
                    .serverPort(port).executorConfig().nettyThreads(threads).applyExecutorConfig()
                    .sslConfig().trustManagerFactory(trust).handshakeTimeout(60, TimeUnit.SECONDS).applySslConfig()
                    .buildAsync();
            clients[i] = c;
            gate.acquire();
            c.connectWith().keepAlive(300).simpleAuth().username(d[0]).password(d[1].getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send().whenComplete((a, e) -> {
                        if (e != null && connectFailed.incrementAndGet() <= 3) {
                            System.out.println("  connect failed: " + e);
                        }
                        gate.release();
                    });
        }
        gate.acquire(b.intOpt("connect-concurrency", 64));
        System.out.printf(Locale.ROOT, "%s %,d connected over TLS in %.1f s, %,d failed; %s%n", Load.now(),
                n - connectFailed.get(), (System.nanoTime() - c0) / 1e9, connectFailed.get(), connectCpu.stop());

        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong inflight = new AtomicLong();
        long behind = 0;
        Recorder pubAck = new Recorder(3);
        Queue<Sample> samples = new ConcurrentLinkedQueue<>();
        Recorder queryable = new Recorder(3);
        AtomicLong lost = new AtomicLong();
        Thread poller = b.opts.containsKey("jdbc") ? Thread.ofPlatform().name("samples").start(() ->
                pollSamples(samples, queryable, lost)) : null;
        long sampleEvery = Math.max(1, rate / Math.max(1, samplesPerSecond));
        ProcCpu procs = ProcCpu.start(b);
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        long t0 = System.nanoTime();
        long end = t0 + seconds * 1_000_000_000L;
        long issued = 0;
        long nextReport = t0 + 10_000_000_000L;
        long lastAcked = 0;
        double slowest = Double.MAX_VALUE;
        long now;
        while ((now = System.nanoTime()) < end) {
            long due = (long) ((now - t0) / 1e9 * rate);
            for (; issued < due; issued++) {
                if (inflight.get() >= maxInflight) {
                    behind += due - issued;
                    issued = due;
                    break;
                }
                int k = (int) (issued % n);
                if (clients[k].getState().isConnected()) {
                    String msgId = "m" + run + "-" + issued;
                    long sent = System.nanoTime();
                    if (issued % sampleEvery == 0) {
                        samples.add(new Sample(devices.get(k)[0], msgId, sent));
                    }
                    inflight.incrementAndGet();
                    clients[k].publishWith().topic("fk/" + devices.get(k)[0] + "/telemetry")
                            .qos(MqttQos.AT_LEAST_ONCE).payload(message(msgId).getBytes(StandardCharsets.UTF_8))
                            .send().whenComplete((r, e) -> {
                                inflight.decrementAndGet();
                                if (e == null && !r.getError().isPresent()) {
                                    acked.incrementAndGet();
                                    pubAck.recordValue(System.nanoTime() - sent);
                                } else if (failed.incrementAndGet() <= 3) {
                                    System.out.println("  publish failed: " + (e != null ? e : r));
                                }
                            });
                } else {
                    failed.incrementAndGet();
                }
            }
            if (now >= nextReport) {
                long a = acked.get();
                double perSec = (a - lastAcked) / 10.0;
                slowest = Math.min(slowest, perSec);
                System.out.printf(Locale.ROOT, "%s   %3.0f s: %,.0f acknowledged/s, %,d awaiting PUBACK, %,d not sent "
                        + "(window full), load %s%n", Load.now(), (now - t0) / 1e9, perSec, inflight.get(), behind,
                        Load.loadAverage());
                lastAcked = a;
                nextReport += 10_000_000_000L;
            }
            LockSupport.parkNanos(1_000_000);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long ackedInRun = acked.get();
        var usage = cpu.stop();
        String procUsage = procs.stop();
        long w0 = System.nanoTime();
        while (inflight.get() > 0 && System.nanoTime() - w0 < 120_000_000_000L) {
            LockSupport.parkNanos(10_000_000);
        }
        double tail = (System.nanoTime() - w0) / 1e9;
        if (poller != null) {
            samples.add(new Sample(null, null, 0));
            poller.join();
        }
        var h = pubAck.getIntervalHistogram();
        var q = queryable.getIntervalHistogram();
        String detail = String.format(Locale.ROOT, "%,d devices, %,d/s offered for %.0f s; %,d acknowledged in the run, "
                + "%,d more in the %.1f s after; slowest 10 s %,.0f/s; %,d not sent (window of %,d full), %,d failed; "
                + "PUBACK p50 %.1f ms p99 %.1f ms; publish→queryable p50 %.0f ms p99 %.0f ms max %.0f ms (%,d samples,"
                + " %,d not found in 120 s); %s; %s", n, rate, secs, ackedInRun, acked.get() - ackedInRun, tail,
                slowest == Double.MAX_VALUE ? 0 : slowest, behind, maxInflight, failed.get(),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, q.getValueAtPercentile(50) / 1e6,
                q.getValueAtPercentile(99) / 1e6, q.getMaxValue() / 1e6, q.getTotalCount(), lost.get(), usage,
                procUsage);
        results.add(new String[] {"MQTT QoS 1 over TLS (device keys)", String.format(Locale.ROOT, "%,.0f",
                ackedInRun / secs), detail});
        System.out.printf(Locale.ROOT, "%s MQTT: %,.0f/s; %s%n", Load.now(), ackedInRun / secs, detail);
        if (b.opts.containsKey("jdbc")) {
            // The consumer may still be writing what was acknowledged: count until all are stored or 5 minutes pass.
            try (java.sql.Connection c = DriverManager.getConnection(b.opts.get("jdbc"));
                    var ps = c.prepareStatement("SELECT COUNT(*) FROM telemetry_messages WHERE tenant_id = ?::uuid"
                            + " AND msg_id LIKE ?")) {
                ps.setString(1, tenantId);
                ps.setString(2, "m" + run + "-%");
                long stored = 0;
                while (System.nanoTime() - w0 < 300_000_000_000L) {
                    try (var rs = ps.executeQuery()) {
                        rs.next();
                        stored = rs.getLong(1);
                    }
                    if (stored >= acked.get()) {
                        break;
                    }
                    LockSupport.parkNanos(1_000_000_000L);
                }
                String drained = String.format(Locale.ROOT, "stored %,d messages of the %,d acknowledged, %.0f s after "
                        + "the offered load ended", stored, acked.get(), (System.nanoTime() - w0) / 1e9);
                System.out.println(Load.now() + " " + drained);
                results.getLast()[2] += "; " + drained;
            }
        }
        for (Mqtt5AsyncClient c : clients) {
            c.disconnect();
        }
    }

    /**
     * Looks every 20 ms for the pending samples' rows in {@code telemetry_messages} (written in the same transaction
     * as the points, so a row there means queryable); a sample with a null device ends the loop once every earlier
     * sample is found or 120 s old.
     */
    private void pollSamples(Queue<Sample> incoming, Recorder queryable, AtomicLong lost) {
        List<Sample> pending = new ArrayList<>();
        boolean ending = false;
        try (java.sql.Connection c = DriverManager.getConnection(b.opts.get("jdbc"));
                var ps = c.prepareStatement("SELECT device_id::text, msg_id FROM telemetry_messages WHERE tenant_id ="
                        + " ?::uuid AND device_id = ANY (?::uuid[]) AND msg_id = ANY (?)")) {
            while (!ending || !pending.isEmpty()) {
                Sample s;
                while ((s = incoming.poll()) != null) {
                    if (s.device() == null) {
                        ending = true;
                    } else {
                        pending.add(s);
                    }
                }
                if (!pending.isEmpty()) {
                    ps.setString(1, tenantId);
                    ps.setArray(2, c.createArrayOf("text", pending.stream().map(Sample::device).toArray()));
                    ps.setArray(3, c.createArrayOf("text", pending.stream().map(Sample::msgId).toArray()));
                    java.util.Set<String> found = new java.util.HashSet<>();
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) {
                            found.add(rs.getString(1) + "/" + rs.getString(2));
                        }
                    }
                    long now = System.nanoTime();
                    pending.removeIf(p -> {
                        if (found.contains(p.device() + "/" + p.msgId())) {
                            queryable.recordValue(now - p.sentNanos());
                            return true;
                        }
                        if (now - p.sentNanos() > 120_000_000_000L) {
                            lost.incrementAndGet();
                            return true;
                        }
                        return false;
                    });
                }
                LockSupport.parkNanos(20_000_000);
            }
        } catch (Exception e) {
            System.out.println("  sample poller failed: " + e);
        }
    }

    private void https(List<String[]> devices, X509Certificate ca, String deviceUrl, int seconds) throws Exception {
        int batch = b.intOpt("batch", 100);
        int clients = b.intOpt("http-clients", 8);
        HttpClient tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(Crypto.sslContext(ca, null, null)).connectTimeout(Duration.ofSeconds(10)).build();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong next = new AtomicLong();
        Recorder latency = new Recorder(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        ProcCpu procs = ProcCpu.start(b);
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < end) {
                    long k = next.getAndIncrement();
                    String[] d = devices.get((int) (k % devices.size()));
                    StringBuilder body = new StringBuilder("[");
                    for (int i = 0; i < batch; i++) {
                        body.append(i == 0 ? "" : ",").append(message("h" + run + "-" + k + "-" + i));
                    }
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> r = tls.send(HttpRequest.newBuilder(URI.create(deviceUrl
                                + "/device/v1/telemetry")).header("X-Device-Key", d[1])
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body + "]")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 202) {
                            accepted.addAndGet(batch);
                            latency.recordValue(System.nanoTime() - sent);
                        } else if (refused.incrementAndGet() <= 3) {
                            System.out.println("  HTTPS: " + r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        var usage = cpu.stop();
        var h = latency.getIntervalHistogram();
        String detail = String.format(Locale.ROOT, "%d clients, %d messages a request, 202 p50 %.1f ms p99 %.1f ms, "
                + "%,d requests refused (429 per-device rate limit or 503); %s; %s", clients, batch,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, refused.get(), usage,
                procs.stop());
        results.add(new String[] {"HTTPS batches (device keys)", String.format(Locale.ROOT, "%,.0f",
                accepted.get() / secs), detail});
        System.out.printf(Locale.ROOT, "HTTPS: %,d accepted in %.1f s = %,.0f/s; %s%n", accepted.get(), secs,
                accepted.get() / secs, detail);
    }

    /** The same envelopes' size, published raw to a stream of the bench's own, 1,000 awaiting their PubAck. */
    private void natsBaseline(String url, int seconds) throws Exception {
        String stream = "FK_BENCH_RAW_" + run.toUpperCase(Locale.ROOT);
        try (Connection c = Nats.connect(url)) {
            c.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects("fkbenchraw" + run)
                    .storageType(StorageType.File).build());
            JetStream js = c.jetStream();
            Semaphore window = new Semaphore(1000);
            AtomicLong acked = new AtomicLong();
            String tenant = UUID.randomUUID().toString();
            ProcCpu procs = ProcCpu.start(b);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long t0 = System.nanoTime();
            for (long i = 0; System.nanoTime() < end; i++) {
                window.acquire();
                byte[] body = ("{\"tenantId\":\"" + tenant + "\",\"device\":\"" + tenant + "\",\"m\":"
                        + message("n" + i) + "}").getBytes(StandardCharsets.UTF_8);
                CompletableFuture<PublishAck> ack = js.publishAsync("fkbenchraw" + run, body);
                ack.whenComplete((a, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                    }
                    window.release();
                });
            }
            window.acquire(1000);
            double secs = (System.nanoTime() - t0) / 1e9;
            results.add(new String[] {"baseline: raw JetStream publish (jnats, file storage)",
                    String.format(Locale.ROOT, "%,.0f", acked.get() / secs), "1,000 awaiting PubAck, one connection; " + procs.stop()});
            System.out.printf(Locale.ROOT, "NATS raw: %,.0f/s%n", acked.get() / secs);
            c.jetStreamManagement().deleteStream(stream);
        }
    }

    /**
     * The same rows by {@code COPY} into a temporary table: narrow (5 rows a message, the telemetry table's two
     * indexes) or one JSONB row a message (one index on tenant, device, time).
     */
    private void copyBaseline(String url, int seconds, boolean jsonb) throws Exception {
        try (java.sql.Connection c = DriverManager.getConnection(url)) {
            try (var s = c.createStatement()) {
                if (jsonb) {
                    s.execute("CREATE TEMPORARY TABLE bench_telemetry_jsonb (tenant_id UUID NOT NULL, device_id UUID "
                            + "NOT NULL, ts BIGINT NOT NULL, msg_id TEXT NOT NULL, stream TEXT NOT NULL, "
                            + "metrics JSONB NOT NULL)");
                    s.execute("CREATE INDEX ON bench_telemetry_jsonb (tenant_id, device_id, ts)");
                } else {
                    s.execute("CREATE TEMPORARY TABLE bench_telemetry (tenant_id UUID NOT NULL, device_id UUID NOT "
                            + "NULL, ts BIGINT NOT NULL, msg_id TEXT NOT NULL, stream TEXT NOT NULL, metric TEXT NOT "
                            + "NULL, kind CHAR(1) NOT NULL, num DOUBLE PRECISION, txt TEXT)");
                    s.execute("CREATE INDEX ON bench_telemetry (tenant_id, device_id, metric, ts)");
                    s.execute("CREATE INDEX ON bench_telemetry (tenant_id, device_id, ts)");
                }
            }
            var copy = c.unwrap(PGConnection.class).getCopyAPI();
            String tenant = UUID.randomUUID().toString();
            String[] devices = new String[1000];
            for (int i = 0; i < devices.length; i++) {
                devices[i] = UUID.randomUUID().toString();
            }
            long messages = 0;
            ProcCpu procs = ProcCpu.start(b);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                StringBuilder rows = new StringBuilder();
                long ts = System.currentTimeMillis();
                for (int i = 0; i < 2000; i++, messages++) {
                    String device = devices[(int) (messages % devices.length)];
                    if (jsonb) {
                        rows.append(tenant).append('\t').append(device).append('\t').append(ts).append("\tc")
                                .append(messages).append("\t\t{\"temp\": 21.5, \"humidity\": 40.25, \"battery\": 87,"
                                + " \"voltage\": 3.71, \"rssi\": -67}\n");
                    } else {
                        for (String m : METRICS) {
                            rows.append(tenant).append('\t').append(device).append('\t').append(ts).append("\tc")
                                    .append(messages).append("\t\t").append(m).append("\tn\t").append(21.5)
                                    .append("\t\\N\n");
                        }
                    }
                }
                copy.copyIn("COPY " + (jsonb ? "bench_telemetry_jsonb" : "bench_telemetry") + " FROM STDIN",
                        new StringReader(rows.toString()));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            String cpu = procs.stop();
            results.add(new String[] {jsonb ? "baseline: PostgreSQL COPY, one JSONB row a message"
                    : "baseline: PostgreSQL COPY of the same narrow rows", String.format(Locale.ROOT, "%,.0f",
                    messages / secs), (jsonb ? "1 row a message, one index (tenant, device, ts)"
                    : "5 narrow rows a message, the telemetry table's two indexes") + ", 1,000 devices, 2,000 "
                    + "messages a COPY, autocommit; " + cpu});
            System.out.printf(Locale.ROOT, "%s COPY %s: %,.0f messages/s; %s%n", Load.now(),
                    jsonb ? "JSONB" : "narrow", messages / secs, cpu);
        }
    }

    /**
     * The three queries of the target, through the API, after seeding their data with SQL: a device with
     * {@code --query-days} of one message per 10 s (5 metrics; also copied into a JSONB table for the layout
     * comparison, timed in SQL beside the narrow table), the latest values of the MQTT devices, and a tenant of
     * {@code --fleet-devices} devices with a latest {@code battery} each.
     */
    private void queryBenchmarks(String url) throws Exception {
        int days = b.intOpt("query-days", 30);
        String device = post(token, "/api/v1/devices", "{\"name\":\"q-" + run + "\",\"device_type\":\"meter\"}",
                201, "id");
        long to = System.currentTimeMillis();
        long from = to - days * 86_400_000L + 3_600_000L;
        long messages = (to - from) / 10_000;
        try (java.sql.Connection c = DriverManager.getConnection(url); var s = c.createStatement()) {
            long t0 = System.nanoTime();
            s.execute("INSERT INTO telemetry (tenant_id, device_id, ts, msg_id, stream, metric, kind, num, txt) "
                    + "SELECT '" + tenantId + "', '" + device + "', " + from + " + g::bigint * 10000, 'q' || g, '', m, 'n', "
                    + "random() * 100, NULL FROM generate_series(0, " + (messages - 1) + ") g, unnest(ARRAY['temp', "
                    + "'humidity', 'battery', 'voltage', 'rssi']) m");
            double narrowSecs = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            boolean rollup = seedRollup(s, device);
            double rollupSecs = (System.nanoTime() - t0) / 1e9;
            s.execute("CREATE TEMPORARY TABLE bench_query_jsonb (tenant_id UUID NOT NULL, device_id UUID NOT NULL, "
                    + "ts BIGINT NOT NULL, msg_id TEXT NOT NULL, stream TEXT NOT NULL, metrics JSONB NOT NULL)");
            s.execute("CREATE INDEX ON bench_query_jsonb (tenant_id, device_id, ts)");
            t0 = System.nanoTime();
            s.execute("INSERT INTO bench_query_jsonb SELECT '" + tenantId + "', '" + device + "', " + from
                    + " + g::bigint * 10000, 'q' || g, '', jsonb_build_object('temp', random() * 100, 'humidity', random() "
                    + "* 100, 'battery', random() * 100, 'voltage', random() * 100, 'rssi', random() * 100) FROM "
                    + "generate_series(0, " + (messages - 1) + ") g");
            double jsonSecs = (System.nanoTime() - t0) / 1e9;
            s.execute("ANALYZE bench_query_jsonb");
            s.execute("ANALYZE telemetry");
            System.out.printf(Locale.ROOT, "%s seeded %,d messages (%d days at one per 10 s): narrow %,d rows in %.1f s,"
                    + " JSONB %,d rows in %.1f s (INSERT … SELECT in the database); %s%n", Load.now(), messages, days,
                    messages * 5, narrowSecs, messages, jsonSecs, rollup ? String.format(Locale.ROOT,
                    "their hourly rollup in %.1f s", rollupSecs) : "no rollup table (server before it)");
            String where = "tenant_id = '" + tenantId + "' AND device_id = '" + device + "' AND ts >= " + from
                    + " AND ts < " + to;
            queries.add(timeSql(s, "SQL, narrow rows: 1 h buckets of one metric (avg, min, max)", "SELECT ts / "
                    + "3600000, AVG(num), MIN(num), MAX(num) FROM telemetry WHERE " + where + " AND metric = 'temp' "
                    + "GROUP BY 1"));
            queries.add(timeSql(s, "SQL, one JSONB row a message: the same", "SELECT ts / 3600000, "
                    + "AVG((metrics->>'temp')::float8), MIN((metrics->>'temp')::float8), MAX((metrics->>'temp')"
                    + "::float8) FROM bench_query_jsonb WHERE " + where + " GROUP BY 1"));
            queries.add(timeSql(s, "SQL, narrow rows: 1 h buckets of all 5 metrics (avg)", "SELECT ts / 3600000, "
                    + "metric, AVG(num) FROM telemetry WHERE " + where + " GROUP BY 1, 2"));
            queries.add(timeSql(s, "SQL, one JSONB row a message: the same", "SELECT ts / 3600000, k, "
                    + "AVG(v::text::float8) FROM bench_query_jsonb, jsonb_each(metrics) AS e(k, v) WHERE " + where
                    + " GROUP BY 1, 2"));
        }
        queries.add(timeApi("downsampled: " + days + " days of one device (" + String.format(Locale.ROOT, "%,d",
                messages) + " messages), one metric, 1 h buckets, avg,min,max", "/api/v1/devices/" + device
                + "/telemetry?metric=temp&bucket=1h&agg=avg,min,max&from=" + from + "&to=" + to, 30));
        seedLatest(url);
        queries.add(timeApi("latest values, a page of 1,000 devices (all 5 metrics each)",
                "/api/v1/telemetry/latest?limit=1000", 30));
    }

    /**
     * What the writer would have put in the hourly rollup for the seeded rows of {@code device} (one row per
     * message time, so the first and last of an hour are its earliest and latest row); false when the server's
     * schema has no rollup.
     */
    private boolean seedRollup(java.sql.Statement s, String device) throws java.sql.SQLException {
        try (var rs = s.executeQuery("SELECT to_regclass('telemetry_rollup') IS NOT NULL")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return false;
            }
        }
        s.execute("INSERT INTO telemetry_rollup (tenant_id, device_id, metric, stream, ts, cnt, num_cnt, num_sum, "
                + "num_min, num_max, first_ts, first_msg_id, first_kind, first_num, first_txt, last_ts, last_msg_id, "
                + "last_kind, last_num, last_txt) SELECT tenant_id, device_id, metric, stream, ts / 3600000 * 3600000, "
                + "COUNT(*), COUNT(num), SUM(num), MIN(num), MAX(num), MIN(ts), (array_agg(msg_id ORDER BY ts))[1], "
                + "'n', (array_agg(num ORDER BY ts))[1], NULL, MAX(ts), (array_agg(msg_id ORDER BY ts DESC))[1], 'n', "
                + "(array_agg(num ORDER BY ts DESC))[1], NULL FROM telemetry WHERE tenant_id = '" + tenantId
                + "' AND device_id = '" + device + "' GROUP BY 1, 2, 3, 4, 5");
        s.execute("ANALYZE telemetry_rollup");
        return true;
    }

    /**
     * Without the MQTT phase the tenant has no devices with latest values: imports 1,000 and writes 5 latest values
     * each straight into {@code telemetry_latest}, as the writer would have.
     */
    private void seedLatest(String url) throws Exception {
        try (java.sql.Connection c = DriverManager.getConnection(url); var s = c.createStatement()) {
            try (var rs = s.executeQuery("SELECT COUNT(*) FROM telemetry_latest WHERE tenant_id = '" + tenantId
                    + "'")) {
                rs.next();
                if (rs.getLong(1) >= 5_000) {
                    return;
                }
            }
            b.importDevices(token, 1_000, 0);
            s.execute("INSERT INTO telemetry_latest (tenant_id, device_id, stream, metric, ts, kind, num, txt) "
                    + "SELECT tenant_id, id, '', m, " + System.currentTimeMillis() + ", 'n', random() * 100, NULL "
                    + "FROM devices, unnest(ARRAY['temp', 'humidity', 'battery', 'voltage', 'rssi']) m WHERE "
                    + "tenant_id = '" + tenantId + "' ON CONFLICT DO NOTHING");
            s.execute("ANALYZE telemetry_latest");
        }
    }

    /**
     * {@code telemetry.battery < 20} over a tenant of {@code --fleet-devices} devices: {@code --fleet-import} of
     * them imported through the API, the rest copies of the first made by SQL (new ids, names and serials), each
     * with a latest {@code battery} between 0 and 99 written straight into {@code telemetry_latest}.
     */
    private void fleetQuery(String url) throws Exception {
        int fleet = b.intOpt("fleet-devices", 1_000_000);
        if (fleet <= 0) {
            return;
        }
        int imported = Math.min(fleet, b.intOpt("fleet-import", 10_000));
        long to = System.currentTimeMillis();
        Bench.NewTenant big = b.newTenant(b.required("platform-token"));
        b.importDevices(big.token(), imported, 0);
        try (java.sql.Connection c = DriverManager.getConnection(url); var s = c.createStatement()) {
            long t0 = System.nanoTime();
            if (fleet > imported) {
                s.execute("INSERT INTO devices (tenant_id, id, name, device_type, serial, status, tags, metadata, "
                        + "registered_at, updated_at, version, identity_status, health) SELECT d.tenant_id, "
                        + "gen_random_uuid(), 'sql-' || g, d.device_type, 'SQL-' || g, d.status, d.tags, d.metadata, "
                        + "d.registered_at, d.updated_at, 1, d.identity_status, d.health FROM (SELECT * FROM devices "
                        + "WHERE tenant_id = '" + big.id() + "' LIMIT 1) d, generate_series(1, " + (fleet - imported)
                        + ") g");
            }
            s.execute("INSERT INTO telemetry_latest (tenant_id, device_id, stream, metric, ts, kind, num, txt) "
                    + "SELECT tenant_id, id, '', 'battery', " + to + ", 'n', floor(random() * 100), NULL FROM "
                    + "devices WHERE tenant_id = '" + big.id() + "'");
            s.execute("ANALYZE devices");
            s.execute("ANALYZE telemetry_latest");
            System.out.printf(Locale.ROOT, "%s %,d devices by SQL and a latest battery for all %,d in %.1f s%n",
                    Load.now(), fleet - imported, fleet, (System.nanoTime() - t0) / 1e9);
        }
        String q = java.net.URLEncoder.encode("telemetry.battery < 20", StandardCharsets.UTF_8);
        String saved = token;
        token = big.token();
        queries.add(timeApi(String.format(Locale.ROOT, "fleet query telemetry.battery < 20 over %,d devices, "
                + "first page of 100", fleet), "/api/v1/devices?query=" + q + "&limit=100", 30));
        queries.add(timeApi(String.format(Locale.ROOT, "fleet query telemetry.battery < 20 over %,d devices, "
                + "count (about 20 %% match)", fleet), "/api/v1/devices/count?query=" + q, 10));
        token = saved;
    }

    private String[] timeSql(java.sql.Statement s, String name, String sql) throws Exception {
        Recorder r = new Recorder(3);
        int rows = 0;
        for (int i = 0; i < 23; i++) {
            long t = System.nanoTime();
            rows = 0;
            try (var rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    rows++;
                }
            }
            if (i >= 3) {
                r.recordValue(System.nanoTime() - t);
            }
        }
        var h = r.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "%s %s: p50 %.1f ms p95 %.1f ms (%d rows)%n", Load.now(), name,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(95) / 1e6, rows);
        return new String[] {name, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(95)), rows
                + " rows, 20 runs after 3 warm-ups, on one JDBC connection; load " + Load.loadAverage()};
    }

    private String[] timeApi(String name, String path, int runs) throws Exception {
        Recorder r = new Recorder(3);
        int bytes = 0;
        int warmups = Integer.parseInt(b.opts.getOrDefault("query-warmups", "3"));
        for (int i = 0; i < runs + warmups; i++) {
            long t = System.nanoTime();
            HttpResponse<String> res = Load.expect(b.http.send(HttpRequest.newBuilder(URI.create(b.url + path))
                    .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + token).GET().build(),
                    HttpResponse.BodyHandlers.ofString()), 200);
            if (i >= warmups) {
                r.recordValue(System.nanoTime() - t);
            }
            bytes = res.body().length();
        }
        var h = r.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "%s %s: p50 %.1f ms p95 %.1f ms (%,d bytes)%n", Load.now(), name,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(95) / 1e6, bytes);
        return new String[] {name, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(95)), String.format(
                Locale.ROOT, "API, %d runs after %d warm-ups, one client, %,d bytes; load %s", runs, warmups, bytes,
                Load.loadAverage())};
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /**
     * CPU of the server ({@code --server-pid}), of NATS (the {@code nats-server} processes) and of PostgreSQL (the
     * backends of the {@code --jdbc} database and the WAL writer, checkpointer and background writer, which also
     * serve other databases) over a phase, in cores, from {@code /proc/PID/stat}.
     */
    static final class ProcCpu {
        private final Map<String, List<Long>> pids;
        private final long wall = System.nanoTime();

        private final Map<Long, Double> startByPid = new java.util.HashMap<>();

        private ProcCpu(Map<String, List<Long>> pids) {
            this.pids = pids;
            pids.values().forEach(v -> v.forEach(p -> startByPid.put(p, ProcFigures.cpuSeconds(p))));
        }

        static ProcCpu start(Bench b) {
            Map<String, List<Long>> pids = new LinkedHashMap<>();
            long server = b.longOpt("server-pid", 0);
            if (server > 0) {
                pids.put("server", List.of(server));
            }
            List<Long> nats = new ArrayList<>();
            if (b.longOpt("nats-pid", 0) > 0) {
                nats.add(b.longOpt("nats-pid", 0));
            } else try (var ps = Files.list(Path.of("/proc"))) {
                ps.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                    try {
                        if (Files.readString(p.resolve("comm")).strip().equals("nats-server")) {
                            nats.add(Long.parseLong(p.getFileName().toString()));
                        }
                    } catch (Exception e) {
                        // gone
                    }
                });
            } catch (Exception e) {
                // no /proc
            }
            if (!nats.isEmpty()) {
                pids.put("NATS", nats);
            }
            if (b.opts.containsKey("jdbc")) {
                List<Long> pg = new ArrayList<>();
                try (java.sql.Connection c = DriverManager.getConnection(b.opts.get("jdbc")); var s = c.createStatement();
                        var rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE (datname = current_database() "
                                + "AND pid <> pg_backend_pid()) OR backend_type IN ('walwriter', 'checkpointer', "
                                + "'background writer')")) {
                    while (rs.next()) {
                        pg.add(rs.getLong(1));
                    }
                } catch (Exception e) {
                    System.out.println("  (PostgreSQL processes not read: " + e + ")");
                }
                if (!pg.isEmpty()) {
                    pids.put("PostgreSQL", pg);
                }
            }
            return new ProcCpu(pids);
        }

        /** CPU seconds the processes used since the start; a process gone meanwhile (or reused pid) counts 0. */
        private double used(List<Long> pids) {
            double sum = 0;
            for (long p : pids) {
                double before = startByPid.get(p);
                double now = ProcFigures.cpuSeconds(p);
                sum += before < 0 || now < before ? 0 : now - before;
            }
            return sum;
        }

        String stop() {
            double wallSecs = (System.nanoTime() - wall) / 1e9;
            StringBuilder sb = new StringBuilder();
            pids.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT,
                    "%s %.2f cores", k, used(v) / wallSecs)).append(k.equals("PostgreSQL")
                    ? " (" + (v.size() - 3) + " backends + 3 shared)" : ""));
            return sb.isEmpty() ? "no process CPU read" : sb.toString();
        }
    }

    private String post(String token, String path, String body, int status, String field) throws Exception {
        HttpResponse<String> r = Load.expect(b.http.send(HttpRequest.newBuilder(URI.create(b.url + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()),
                status);
        return Bench.JSON.readTree(r.body()).path(field).asString();
    }
}
