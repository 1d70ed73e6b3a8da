package io.fleetkeeper.bench;

import com.sun.net.httpserver.HttpServer;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code events} mode: device status changes at a fixed rate (suspend and resume over HTTP) go through the
 * outbox, the relay, JetStream (when the server has {@code fleetkeeper.nats.url}) and a webhook route to a sink
 * in this process. Prints delivered events per second, the latency from the event's time (its commit) to the
 * webhook's arrival (p50/p99), the backlog when the load stops and how long it took to drain; then, as the
 * baseline, the rate at which this process publishes the same CloudEvent bodies straight to a JetStream
 * stream of its own. The server must allow the sink's address ({@code
 * fleetkeeper.events.allowed-private-networks=127.0.0.1/32}).
 */
final class EventsBench {

    static final String USAGE = """

            events options (outbox → JetStream → webhook route; the server needs allowed-private-networks
            to include 127.0.0.1/32):
              --tenant-token fk_... | --tenant-token-file FILE   the tenant (admin token)
              --devices N               devices whose status flips (default 200)
              --rate R                  status changes per second (default 500)
              --duration S              seconds of load (default 30)
              --clients C               concurrent HTTP requests at most (default 32)
              --nats URL                NATS for the raw-publish baseline (default nats://127.0.0.1:4222)
              --import N                instead of status changes: import N new devices (requests of
                                        --import-batch rows, default 10000, --clients at once) and route
                                        their device.created events (the import commits 1,000 rows at a time)
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Bench b;
    private final String token;

    EventsBench(Bench bench) throws Exception {
        this.b = bench;
        String t = bench.opts.get("tenant-token");
        if (t == null) {
            t = Files.readString(Path.of(bench.required("tenant-token-file"))).trim();
        }
        this.token = t;
    }

    void run() throws Exception {
        int devices = b.intOpt("devices", 200);
        int rate = b.intOpt("rate", 500);
        int duration = b.intOpt("duration", 30);
        int clients = b.intOpt("clients", 32);
        AtomicInteger received = new AtomicInteger();
        Histogram latency = new Histogram(3_600_000L, 3);
        ConcurrentLinkedQueue<byte[]> bodies = new ConcurrentLinkedQueue<>();
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        sink.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        sink.createContext("/hook", ex -> {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            long now = System.currentTimeMillis();
            JsonNode ce = JSON.readTree(body);
            long at = Instant.parse(ce.path("time").asString()).toEpochMilli();
            synchronized (latency) {
                latency.recordValue(Math.max(0, now - at));
            }
            if (bodies.size() < 100_000) {
                bodies.add(body);
            }
            received.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        sink.start();
        String routeId = null;
        try {
            String hook = "http://127.0.0.1:" + sink.getAddress().getPort() + "/hook";
            long imports = b.longOpt("import", 0);
            String type = imports > 0 ? "io.fleetkeeper.device.created" : "io.fleetkeeper.device.status.changed";
            routeId = JSON.readTree(post("/api/v1/routes", "{\"name\":\"bench-" + System.currentTimeMillis()
                    + "\",\"source\":[\"" + type + "\"],\"destination\":{\"type\":\"webhook\",\"url\":\""
                    + hook + "\"}}")).path("id").asString();
            AtomicLong accepted = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long start = System.nanoTime();
            String load = imports > 0 ? importDevices(imports, clients, accepted, failed)
                    : statusChanges(devices, rate, duration, clients, accepted, failed);
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            int atStop = received.get();
            long backlog = accepted.get() - atStop;
            long drainStart = System.nanoTime();
            long deadline = drainStart + TimeUnit.SECONDS.toNanos(120);
            while (received.get() < accepted.get() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            double drain = (System.nanoTime() - drainStart) / 1e9;
            double total_s = (System.nanoTime() - start) / 1e9;
            System.out.println();
            System.out.printf(Locale.ROOT, "events: %s in %.1f s (%,d events accepted, %,d failed)%n", load,
                    loadSeconds, accepted.get(), failed.get());
            System.out.printf(Locale.ROOT, "  delivered to the webhook: %,d of %,d (%,.0f events/s over the run "
                    + "incl. drain; %,.0f/s during load)%n", received.get(), accepted.get(), received.get() / total_s,
                    atStop / loadSeconds);
            synchronized (latency) {
                System.out.printf(Locale.ROOT, "  commit -> webhook received: p50 %d ms, p99 %d ms, max %d ms%n",
                        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue());
            }
            System.out.printf(Locale.ROOT, "  backlog when the load stopped: %,d events; drained in %.1f s%n",
                    backlog, drain);
            baseline(new ArrayList<>(bodies));
        } finally {
            if (routeId != null) { // a route left behind would keep failing against the stopped sink
                b.http.send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/routes/" + routeId))
                        .header("Authorization", "Bearer " + token).DELETE().build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            sink.stop(0);
        }
    }

    /** Each device alternates suspend / resume at {@code rate} requests a second: one status change each. */
    private String statusChanges(int devices, int rate, int duration, int clients, AtomicLong accepted,
            AtomicLong failed) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            ids.add(JSON.readTree(post("/api/v1/devices", "{\"name\":\"ev-" + System.nanoTime()
                    + "\",\"device_type\":\"bench\"}")).path("id").asString());
        }
        int[] next = new int[devices];
        Semaphore inFlight = new Semaphore(clients);
        long total = (long) rate * duration;
        long start = System.nanoTime();
        var pool = Executors.newVirtualThreadPerTaskExecutor();
        for (long n = 0; n < total; n++) {
            long due = start + n * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int d = (int) (n % devices);
            String action;
            synchronized (next) {
                action = next[d]++ % 2 == 0 ? "suspend" : "resume";
            }
            String path = "/api/v1/devices/" + ids.get(d) + "/" + action;
            inFlight.acquire();
            pool.submit(() -> {
                try {
                    HttpResponse<String> r = b.http.send(HttpRequest.newBuilder(URI.create(b.url + path))
                            .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())
                            .build(), HttpResponse.BodyHandlers.ofString());
                    (r.statusCode() == 200 ? accepted : failed).incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                } finally {
                    inFlight.release();
                }
            });
        }
        inFlight.acquire(clients);
        return String.format(Locale.ROOT, "%,d status changes offered at %,d/s over %d devices", total, rate,
                devices);
    }

    /**
     * Imports {@code n} new devices, {@code --import-batch} rows a request, {@code clients} requests at once; the
     * accepted count is the rows the server reports created.
     */
    private String importDevices(long n, int clients, AtomicLong accepted, AtomicLong failed) throws Exception {
        int batch = b.intOpt("import-batch", 10_000);
        String run = Long.toString(System.currentTimeMillis(), 36);
        Semaphore inFlight = new Semaphore(clients);
        var pool = Executors.newVirtualThreadPerTaskExecutor();
        for (long first = 0; first < n; first += batch) {
            long from = first;
            long to = Math.min(n, first + batch);
            inFlight.acquire();
            pool.submit(() -> {
                try {
                    StringBuilder body = new StringBuilder();
                    for (long i = from; i < to; i++) {
                        body.append("{\"name\":\"ev-").append(run).append('-').append(i)
                                .append("\",\"device_type\":\"bench\"}\n");
                    }
                    HttpResponse<String> r = b.http.send(HttpRequest.newBuilder(URI.create(b.url
                            + "/api/v1/devices/import")).header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/x-ndjson").timeout(Duration.ofMinutes(10))
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    long created = r.body().lines().filter(l -> l.contains("\"result\":\"created\"")).count();
                    accepted.addAndGet(created);
                    failed.addAndGet(to - from - created);
                } catch (Exception e) {
                    failed.addAndGet(to - from);
                } finally {
                    inFlight.release();
                }
            });
        }
        inFlight.acquire(clients);
        return String.format(Locale.ROOT, "%,d devices imported (%,d a request, %d requests at once)", n, batch,
                clients);
    }

    /** The same CloudEvent bodies published straight to a JetStream stream of this process: the raw rate. */
    private void baseline(List<byte[]> bodies) throws Exception {
        if (bodies.isEmpty()) {
            System.out.println("  baseline: no bodies received, skipped");
            return;
        }
        String stream = "FKBENCH_RAW_" + System.currentTimeMillis();
        try (Connection nc = Nats.connect(b.opts.getOrDefault("nats", "nats://127.0.0.1:4222"))) {
            nc.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream)
                    .subjects(stream.toLowerCase(Locale.ROOT) + ".>").storageType(StorageType.File).build());
            try {
                JetStream js = nc.jetStream();
                int n = Math.max(bodies.size(), 20_000);
                long start = System.nanoTime();
                List<CompletableFuture<PublishAck>> acks = new ArrayList<>(500);
                for (int i = 0; i < n; i++) {
                    acks.add(js.publishAsync(stream.toLowerCase(Locale.ROOT) + ".t.type",
                            bodies.get(i % bodies.size())));
                    if (acks.size() == 500) { // the relay's batch size
                        for (CompletableFuture<PublishAck> a : acks) {
                            a.get(10, TimeUnit.SECONDS);
                        }
                        acks.clear();
                    }
                }
                for (CompletableFuture<PublishAck> a : acks) {
                    a.get(10, TimeUnit.SECONDS);
                }
                double s = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "  baseline, raw JetStream publish of the same bodies (batches of "
                        + "500, file storage): %,d in %.2f s = %,.0f events/s%n", n, s, n / s);
            } finally {
                nc.jetStreamManagement().deleteStream(stream);
            }
        }
    }

    private String post(String path, String body) throws Exception {
        HttpResponse<String> r = b.http.send(HttpRequest.newBuilder(URI.create(b.url + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body,
                        StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
