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
 * {@code telemetry} mode: accepted telemetry messages per second over MQTT QoS 1 (a window of publishes awaiting
 * their PUBACK per device; a PUBACK means durable) and over HTTPS batches (202 means durable), each message of 5
 * numeric metrics, against whatever pipeline the server runs (embedded writer or NATS JetStream). Beside them, in
 * the same run, the baselines: the same envelopes published raw to a JetStream stream with the official client
 * ({@code --nats}), and the same narrow rows written by PostgreSQL {@code COPY} ({@code --jdbc}).
 */
final class TelemetryBench {

    static final String USAGE = """

            telemetry options (needs --platform-token: creates a tenant and its devices):
              --devices N               devices, each with a device key (default 100)
              --device-url U            device HTTPS listener (default https://127.0.0.1:8443)
              --mqtt-host H, --mqtt-port P  MQTT over TLS endpoint (default 127.0.0.1:8883)
              --duration S              seconds per phase (default 20)
              --inflight W              QoS 1 publishes awaiting PUBACK per device (default 4)
              --batch B                 messages per HTTPS request (default 100); --http-clients H (default 8)
              --nats URL                baseline: raw JetStream publishes of the same envelopes
              --jdbc URL                baseline: PostgreSQL COPY of the same rows into a temporary table
              --server-pid PID          server process: its CPU use per phase
            """;

    private final Bench b;
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final List<String[]> results = new ArrayList<>();

    TelemetryBench(Bench bench) {
        this.b = bench;
    }

    void run() throws Exception {
        Bench.CpuMeter.serverPid = b.longOpt("server-pid", 0);
        int n = b.intOpt("devices", 100);
        int seconds = b.intOpt("duration", 20);
        String deviceUrl = Bench.stripSlash(b.opts.getOrDefault("device-url", "https://127.0.0.1:8443"));
        System.out.printf(Locale.ROOT, "Telemetry benchmark against %s, %s and MQTT %s:%s; %d devices, %d s per "
                + "phase, %d CPUs, load average %s%n", b.url, deviceUrl, b.opts.getOrDefault("mqtt-host",
                "127.0.0.1"), b.opts.getOrDefault("mqtt-port", "8883"), n, seconds,
                Runtime.getRuntime().availableProcessors(), Load.loadAverage());
        String token = b.createTenant(b.required("platform-token"));
        List<String[]> devices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = post(token, "/api/v1/devices", "{\"name\":\"t" + i + "\",\"device_type\":\"meter\"}", 201,
                    "id");
            devices.add(new String[] {id, post(token, "/api/v1/devices/" + id + "/device-key/rotate", "{}", 200,
                    "device_key")});
        }
        X509Certificate ca = Crypto.certificates(Load.expect(b.http.send(HttpRequest.newBuilder(
                URI.create(b.url + "/pki/v1/platform/ca.pem")).GET().build(), HttpResponse.BodyHandlers.ofString()),
                200).body()).getFirst();
        mqtt(devices, ca, seconds);
        https(devices, ca, deviceUrl, seconds);
        if (b.opts.containsKey("nats")) {
            natsBaseline(b.opts.get("nats"), seconds);
        }
        if (b.opts.containsKey("jdbc")) {
            copyBaseline(b.opts.get("jdbc"), seconds);
        }
        System.out.println();
        System.out.println("| path | messages/s | detail |");
        System.out.println("| --- | --- | --- |");
        results.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
    }

    private static String message(String msgId) {
        long now = System.currentTimeMillis();
        return "{\"msg_id\":\"" + msgId + "\",\"ts\":" + now + ",\"temp\":21.5,\"humidity\":40.25,\"battery\":87,"
                + "\"voltage\":3.71,\"rssi\":-67}";
    }

    private void mqtt(List<String[]> devices, X509Certificate ca, int seconds) throws Exception {
        int window = b.intOpt("inflight", 4);
        String host = b.opts.getOrDefault("mqtt-host", "127.0.0.1");
        int port = b.intOpt("mqtt-port", 8883);
        TrustManagerFactory trust = Crypto.trust(ca);
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        for (String[] d : devices) {
            Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(d[0]).serverHost(host)
                    .serverPort(port).sslConfig().trustManagerFactory(trust).applySslConfig().buildAsync();
            c.connectWith().simpleAuth().username(d[0]).password(d[1].getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send().get();
            clients.add(c);
        }
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Recorder latency = new Recorder(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            for (int w = 0; w < window; w++) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                loops.add(done);
                publishLoop(clients.get(i), devices.get(i)[0], "m" + run + "-" + w, new AtomicLong(), end, acked,
                        failed, latency, done);
            }
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get();
        double secs = (System.nanoTime() - t0) / 1e9;
        var usage = cpu.stop();
        var h = latency.getIntervalHistogram();
        String detail = String.format(Locale.ROOT, "%d devices × %d in flight, QoS 1 PUBACK p50 %.1f ms p99 %.1f ms, "
                + "%,d failed; %s", devices.size(), window, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, failed.get(), usage);
        results.add(new String[] {"MQTT QoS 1 (TLS, device keys)", String.format(Locale.ROOT, "%,.0f",
                acked.get() / secs), detail});
        System.out.printf(Locale.ROOT, "MQTT: %,d acknowledged in %.1f s = %,.0f/s; %s%n", acked.get(), secs,
                acked.get() / secs, detail);
        for (Mqtt5AsyncClient c : clients) {
            c.disconnect();
        }
    }

    private void publishLoop(Mqtt5AsyncClient c, String id, String lane, AtomicLong seq, long end, AtomicLong acked,
            AtomicLong failed, Recorder latency, CompletableFuture<Void> done) {
        if (System.nanoTime() >= end) {
            done.complete(null);
            return;
        }
        long sent = System.nanoTime();
        c.publishWith().topic("fk/" + id + "/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                .payload(message(lane + "-" + seq.incrementAndGet()).getBytes(StandardCharsets.UTF_8)).send()
                .whenComplete((r, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                        latency.recordValue(System.nanoTime() - sent);
                    } else {
                        failed.incrementAndGet();
                    }
                    publishLoop(c, id, lane, seq, end, acked, failed, latency, done);
                });
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
                + "%,d requests refused (429 per-device rate limit or 503); %s", clients, batch,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, refused.get(), usage);
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
                    String.format(Locale.ROOT, "%,.0f", acked.get() / secs), "1,000 awaiting PubAck, one connection"});
            System.out.printf(Locale.ROOT, "NATS raw: %,.0f/s%n", acked.get() / secs);
            c.jetStreamManagement().deleteStream(stream);
        }
    }

    /** The same narrow rows (5 a message) by {@code COPY} into a temporary table shaped like the telemetry table. */
    private void copyBaseline(String url, int seconds) throws Exception {
        try (java.sql.Connection c = DriverManager.getConnection(url)) {
            try (var s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE bench_telemetry (tenant_id UUID NOT NULL, device_id UUID NOT NULL,"
                        + " ts BIGINT NOT NULL, msg_id TEXT NOT NULL, stream TEXT NOT NULL, metric TEXT NOT NULL,"
                        + " kind CHAR(1) NOT NULL, num DOUBLE PRECISION, txt TEXT)");
                s.execute("CREATE INDEX ON bench_telemetry (tenant_id, device_id, metric, ts)");
                s.execute("CREATE INDEX ON bench_telemetry (tenant_id, device_id, ts)");
            }
            var copy = c.unwrap(PGConnection.class).getCopyAPI();
            String tenant = UUID.randomUUID().toString();
            String device = UUID.randomUUID().toString();
            String[] metrics = {"temp", "humidity", "battery", "voltage", "rssi"};
            long messages = 0;
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                StringBuilder rows = new StringBuilder();
                long ts = System.currentTimeMillis();
                for (int i = 0; i < 2000; i++, messages++) {
                    for (String m : metrics) {
                        rows.append(tenant).append('\t').append(device).append('\t').append(ts).append("\tc")
                                .append(messages).append("\t\t").append(m).append("\tn\t").append(21.5).append("\t\\N\n");
                    }
                }
                copy.copyIn("COPY bench_telemetry FROM STDIN", new StringReader(rows.toString()));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            results.add(new String[] {"baseline: PostgreSQL COPY of the same rows", String.format(Locale.ROOT,
                    "%,.0f", messages / secs), "5 narrow rows a message, the telemetry table's two indexes, 2,000 "
                    + "messages a COPY, autocommit"});
            System.out.printf(Locale.ROOT, "COPY: %,.0f messages/s%n", messages / secs);
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
