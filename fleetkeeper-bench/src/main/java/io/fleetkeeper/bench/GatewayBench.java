package io.fleetkeeper.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import javax.net.ssl.TrustManagerFactory;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code gateway} mode: one gateway carrying N children (default 10,000) over one MQTT/TLS connection, against
 * directly connected devices in the same run. Three figures, each for the gateway and for the direct devices:
 * child telemetry through the gateway (QoS 1 PUBACKs per second, a window in flight; the direct devices send the
 * same number of messages with the same total window), reported-shadow fan-in (QoS 1 publish to PUBACK latency)
 * and delta fan-out (operator PATCH of desired state to the delta arriving at the gateway or the device).
 */
final class GatewayBench {

    static final String USAGE = """

            gateway options (needs --platform-token: creates a tenant, a gateway and its children):
              --children N              children of the one gateway (default 10000)
              --direct D                directly connected devices for the comparison (default 100)
              --mqtt-host H, --mqtt-port P  MQTT over TLS endpoint (default 127.0.0.1:8883)
              --duration S              seconds of gateway telemetry (default 20)
              --inflight W              QoS 1 publishes awaiting PUBACK, in all (default 64)
              --deltas K                desired-state PATCHes per side (default 500) at --rate R per second (default 50)
              --http-clients H          concurrent operator HTTP clients (default 8)
              --server-pid PID          server process: its CPU use per phase
            """;

    private final Bench b;
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final List<String[]> results = new ArrayList<>();

    GatewayBench(Bench bench) {
        this.b = bench;
    }

    void run() throws Exception {
        Bench.CpuMeter.serverPid = b.longOpt("server-pid", 0);
        int children = b.intOpt("children", 10_000);
        int direct = b.intOpt("direct", 100);
        System.out.printf(Locale.ROOT, "Gateway benchmark against %s and MQTT %s:%s: 1 gateway × %,d children vs %d "
                + "direct devices, %d CPUs, load average %s%n", b.url, b.opts.getOrDefault("mqtt-host", "127.0.0.1"),
                b.opts.getOrDefault("mqtt-port", "8883"), children, direct,
                Runtime.getRuntime().availableProcessors(), Load.loadAverage());
        String token = b.createTenant(b.required("platform-token"));
        String[] gateway = keyed(token, "{\"name\":\"gw\",\"device_type\":\"gateway\"}");
        long t0 = System.nanoTime();
        List<String> kids = importChildren(token, gateway[0], children);
        System.out.printf(Locale.ROOT, "Imported %,d children in %.1f s%n", kids.size(), (System.nanoTime() - t0) / 1e9);
        List<String[]> devices = new ArrayList<>();
        for (int i = 0; i < direct; i++) {
            devices.add(keyed(token, "{\"name\":\"d" + i + "\",\"device_type\":\"sensor\"}"));
        }
        TrustManagerFactory trust = Crypto.trust(Crypto.certificates(Load.expect(b.http.send(HttpRequest.newBuilder(
                URI.create(b.url + "/pki/v1/platform/ca.pem")).GET().build(), HttpResponse.BodyHandlers.ofString()),
                200).body()).getFirst());
        Deltas deltas = new Deltas();
        Mqtt5AsyncClient gw = connect(gateway, trust);
        gw.subscribeWith().topicFilter("fk/" + gateway[0] + "/children/+/shadow/update/delta")
                .qos(MqttQos.AT_LEAST_ONCE).callback(p -> deltas.arrived(p.getPayloadAsBytes())).send().get();
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        for (String[] d : devices) {
            Mqtt5AsyncClient c = connect(d, trust);
            c.subscribeWith().topicFilter("fk/" + d[0] + "/shadow/update/delta").qos(MqttQos.AT_LEAST_ONCE)
                    .callback(p -> deltas.arrived(p.getPayloadAsBytes())).send().get();
            clients.add(c);
        }
        try {
            int window = b.intOpt("inflight", 64);
            String gwChildren = "fk/" + gateway[0] + "/children/";
            long sent = publish("telemetry through the gateway", 1, window, b.intOpt("duration", 20), Long.MAX_VALUE,
                    i -> gw, i -> gwChildren + kids.get(i % kids.size()) + "/telemetry", this::telemetry);
            publish("telemetry, direct devices", clients.size(), Math.max(1, window / clients.size()), 600, sent,
                    i -> clients.get(i % clients.size()), i -> "fk/" + devices.get(i % devices.size())[0]
                            + "/telemetry", this::telemetry);
            int reports = (int) Math.min(sent, 5_000);
            publish("reported fan-in through the gateway", 1, window, 600, reports, i -> gw,
                    i -> gwChildren + kids.get(i % kids.size()) + "/shadow/update", this::reported);
            publish("reported fan-in, direct devices", clients.size(), Math.max(1, window / clients.size()), 600,
                    reports, i -> clients.get(i % clients.size()), i -> "fk/" + devices.get(i % devices.size())[0]
                            + "/shadow/update", this::reported);
            int k = b.intOpt("deltas", 500);
            int rate = b.intOpt("rate", 50);
            deltas.measure(token, "delta fan-out to the gateway", kids, k, rate);
            deltas.measure(token, "delta fan-out, direct devices", devices.stream().map(d -> d[0]).toList(), k, rate);
        } finally {
            gw.disconnect();
            clients.forEach(Mqtt5AsyncClient::disconnect);
        }
        System.out.println();
        System.out.println("| path | figure | detail |");
        System.out.println("| --- | --- | --- |");
        results.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
    }

    private String telemetry(long i) {
        return "{\"msg_id\":\"g" + run + "-" + i + "\",\"temp\":21.5,\"battery\":87}";
    }

    private String reported(long i) {
        return "{\"state\":{\"reported\":{\"seq\":" + i + ",\"temp\":21}}}";
    }

    /**
     * Publishes QoS 1 on {@code lanes} × {@code perLane} loops (lane i on {@code client.apply(i)}) for at most
     * {@code seconds} or until {@code limit} are acknowledged; returns how many were.
     */
    private long publish(String name, int lanes, int perLane, int seconds, long limit, IntFunction<Mqtt5AsyncClient>
            client, IntFunction<String> topic, java.util.function.LongFunction<String> body) throws Exception {
        AtomicLong next = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Recorder latency = new Recorder(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int lane = 0; lane < lanes; lane++) {
            for (int w = 0; w < perLane; w++) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                loops.add(done);
                loop(client.apply(lane), lane, lanes, topic, body, next, limit, end, acked, failed, latency, done);
            }
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get();
        double secs = (System.nanoTime() - t0) / 1e9;
        var usage = cpu.stop();
        Histogram h = latency.getIntervalHistogram();
        String detail = String.format(Locale.ROOT, "%,d in %.1f s, %d connection(s) × %d in flight; PUBACK p50 %.1f ms,"
                + " p99 %.1f ms; %,d failed; %s", acked.get(), secs, lanes, perLane, ms(h, 50), ms(h, 99), failed.get(),
                usage);
        results.add(new String[] {name, String.format(Locale.ROOT, "%,.0f msg/s", acked.get() / secs), detail});
        System.out.printf(Locale.ROOT, "%s: %,.0f msg/s; %s%n", name, acked.get() / secs, detail);
        return acked.get();
    }

    private void loop(Mqtt5AsyncClient c, int lane, int lanes, IntFunction<String> topic,
            java.util.function.LongFunction<String> body, AtomicLong next, long limit, long end, AtomicLong acked,
            AtomicLong failed, Recorder latency, CompletableFuture<Void> done) {
        long i = next.getAndIncrement();
        if (System.nanoTime() >= end || i >= limit) {
            done.complete(null);
            return;
        }
        // lane l publishes the topics l, l + lanes, l + 2·lanes, ... so each direct device uses its own namespace
        int index = (int) ((i / lanes) * lanes + lane);
        long sent = System.nanoTime();
        c.publishWith().topic(topic.apply(index)).qos(MqttQos.AT_LEAST_ONCE)
                .payload(body.apply(i).getBytes(StandardCharsets.UTF_8)).send().whenComplete((r, e) -> {
                    if (e != null) {
                        // a failed publish ends its loop: the connection is gone (or refused it)
                        if (failed.incrementAndGet() <= 3) {
                            System.out.println("  publish failed: " + e);
                        }
                        done.complete(null);
                        return;
                    }
                    acked.incrementAndGet();
                    latency.recordValue(System.nanoTime() - sent);
                    loop(c, lane, lanes, topic, body, next, limit, end, acked, failed, latency, done);
                });
    }

    /** Desired-state PATCHes and the deltas they cause, matched by the tag and send time they carry. */
    private final class Deltas {

        private volatile String tag = "";
        private final Recorder delivery = new Recorder(3);
        private final AtomicLong received = new AtomicLong();

        void arrived(byte[] payload) {
            String p = new String(payload, StandardCharsets.UTF_8);
            int at = p.indexOf("\"p\":\"");
            int t = p.indexOf("\"t\":");
            if (at < 0 || t < 0 || !p.startsWith(tag, at + 5)) {
                return;
            }
            int end = t + 4;
            while (end < p.length() && Character.isDigit(p.charAt(end))) {
                end++;
            }
            delivery.recordValue(Math.max(0, System.nanoTime() - Long.parseLong(p, t + 4, end, 10)));
            received.incrementAndGet();
        }

        void measure(String token, String name, List<String> ids, int count, int rate) throws Exception {
            tag = run + "-" + name.replace(' ', '_');
            delivery.reset();
            received.set(0);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            AtomicLong next = new AtomicLong();
            AtomicLong ok = new AtomicLong();
            Bench.CpuMeter cpu = Bench.CpuMeter.start();
            long t0 = System.nanoTime() + 50_000_000;
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < b.intOpt("http-clients", 8); s++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < count) {
                        LockSupport.parkNanos(t0 + i * 1_000_000_000L / rate - System.nanoTime());
                        String id = ids.get((int) (i % ids.size()));
                        String body = "{\"state\":{\"desired\":{\"bench\":{\"t\":" + System.nanoTime() + ",\"p\":\""
                                + tag + "\"}}}}";
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(b.url
                                    + "/api/v1/devices/" + id + "/shadow")).header("Authorization", "Bearer " + token)
                                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                                    .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                System.out.println("  PATCH: HTTP " + r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            System.out.println("  PATCH failed: " + e);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (received.get() < ok.get() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(50_000_000);
            }
            var usage = cpu.stop();
            Histogram h = delivery.getIntervalHistogram();
            String detail = String.format(Locale.ROOT, "%,d PATCHes at %d/s over %,d devices, %,d deltas received; "
                    + "p50 %.1f ms, p90 %.1f ms, max %.1f ms; %s", ok.get(), rate, ids.size(), received.get(),
                    ms(h, 50), ms(h, 90), h.getMaxValue() / 1e6, usage);
            results.add(new String[] {name, String.format(Locale.ROOT, "p99 %.1f ms", ms(h, 99)), detail});
            System.out.printf(Locale.ROOT, "%s: p99 %.1f ms; %s%n", name, ms(h, 99), detail);
        }
    }

    // ------------------------------------------------------------------------------------------ setup

    /** A device created through the API, and its device key: {id, key}. */
    private String[] keyed(String token, String body) throws Exception {
        String id = Bench.JSON.readTree(send(token, "POST", "/api/v1/devices", body, 201)).path("id").asString();
        String key = Bench.JSON.readTree(send(token, "POST", "/api/v1/devices/" + id + "/device-key/rotate", "{}",
                200)).path("device_key").asString();
        return new String[] {id, key};
    }

    /** Imports {@code n} children of {@code gateway} in one NDJSON request; their ids. */
    private List<String> importChildren(String token, String gateway, int n) throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < n; i++) {
            rows.append("{\"name\":\"c").append(i).append("\",\"device_type\":\"sensor\",\"serial\":\"gwc-").append(run)
                    .append('-').append(i).append("\",\"parent_device_id\":\"").append(gateway).append("\"}\n");
        }
        String res = Load.expect(b.http.send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/devices/import"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-ndjson")
                .header("Accept", "application/x-ndjson").timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofString(rows.toString())).build(),
                HttpResponse.BodyHandlers.ofString()), 200).body();
        List<String> ids = new ArrayList<>();
        for (String line : res.split("\n")) {
            int id = line.indexOf("\"id\":\"");
            if (line.contains("\"result\":\"created\"") && id >= 0) {
                ids.add(UUID.fromString(line.substring(id + 6, id + 42)).toString());
            }
        }
        if (ids.size() != n) {
            throw new IllegalStateException("imported " + ids.size() + " of " + n + " children: "
                    + res.substring(0, Math.min(500, res.length())));
        }
        return ids;
    }

    private Mqtt5AsyncClient connect(String[] device, TrustManagerFactory trust) throws Exception {
        Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(device[0])
                .serverHost(b.opts.getOrDefault("mqtt-host", "127.0.0.1")).serverPort(b.intOpt("mqtt-port", 8883))
                .sslConfig().trustManagerFactory(trust).applySslConfig().buildAsync();
        c.connectWith().keepAlive(600).simpleAuth().username(device[0])
                .password(device[1].getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send().get();
        return c;
    }

    private String send(String token, String method, String path, String body, int status) throws Exception {
        return Load.expect(b.http.send(HttpRequest.newBuilder(URI.create(b.url + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()), status).body();
    }


    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }
}
