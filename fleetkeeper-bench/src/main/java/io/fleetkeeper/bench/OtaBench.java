package io.fleetkeeper.bench;

import io.fleetkeeper.bench.Bench.Result;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import tools.jackson.databind.JsonNode;

/**
 * {@code ota} mode: hawkBit DDI traffic of {@code --devices} devices against the server's device listener, with
 * nginx (the Debian package, started here with a temporary configuration) serving the same bytes over TLS on the
 * same machine in the same run as the baseline:
 * <ol>
 * <li>idle DDI base polls ({@code GET /{tenant}/controller/v1/{device}} with {@code TargetToken}) by
 * {@code --clients} keep-alive connections, against nginx serving the same JSON as a static file;</li>
 * <li>artifact downloads through DDI, one per device, all at once (half of them resumed from the middle with
 * {@code Range}), against nginx serving the same file to the same number of clients.</li>
 * </ol>
 */
final class OtaBench {

    static final String USAGE = """

            ota options (needs --platform-token):
              --device-url URL          the server's device listener (default https://127.0.0.1:8443)
              --devices N               devices created in a new tenant, each with a device key (default 1000)
              --clients C               keep-alive connections of the idle-poll runs (default 64)
              --duration S              seconds per idle-poll run (default 20)
              --artifact-mb M           artifact size in MB (default 20)
              --downloads D             concurrent artifact downloads, at most --devices (default --devices)
              --nginx PATH              the nginx binary (default /usr/sbin/nginx)
              --server-pid PID          server process: its CPU during each phase
            """;

    private final Bench b;
    private final List<String[]> results = new ArrayList<>();
    private final HttpClient tls;

    OtaBench(Bench bench) throws Exception {
        this.b = bench;
        // The device listener's certificate may not name 127.0.0.1; a benchmark measures, it does not verify.
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom()); // a benchmark: no verification
        this.tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx)
                .connectTimeout(Duration.ofSeconds(30)).build();
    }

    void run() throws Exception {
        String platform = b.required("platform-token");
        String deviceUrl = Bench.stripSlash(b.opts.getOrDefault("device-url", "https://127.0.0.1:8443"));
        int n = b.intOpt("devices", 1000);
        int clients = b.intOpt("clients", 64);
        int seconds = b.intOpt("duration", 20);
        int mb = b.intOpt("artifact-mb", 20);
        int downloads = Math.min(n, b.intOpt("downloads", n));
        Bench.CpuMeter.serverPid = b.longOpt("server-pid", 0);
        System.out.printf(Locale.ROOT, "OTA benchmark against %s / %s; %,d devices, %d CPUs, load average %s%n",
                b.url, deviceUrl, n, Runtime.getRuntime().availableProcessors(), Load.loadAverage());

        Bench.NewTenant tenant = b.newTenant(platform);
        String[][] devices = devices(tenant.token(), n);
        byte[] image = new byte[mb * 1024 * 1024];
        new SecureRandom().nextBytes(image);
        String fw = firmware(tenant.token(), image);
        String pollPath = "/" + tenant.id() + "/controller/v1/";
        HttpResponse<String> sample = tls.send(HttpRequest.newBuilder(URI.create(deviceUrl + pollPath
                + devices[0][0])).header("Authorization", "TargetToken " + devices[0][1]).build(),
                HttpResponse.BodyHandlers.ofString());
        Load.expect(sample, 200);

        try (Nginx nginx = Nginx.start(b.opts.getOrDefault("nginx", Nginx.DEFAULT_BINARY),
                Map.of("poll.json", sample.body().getBytes(StandardCharsets.UTF_8), "os.swu", image), true)) {
            // Idle polls: the server first, then nginx, each after a short warm-up.
            Load.closedLoop(clients, 3, c -> poll(deviceUrl + pollPath, devices));
            Result server = Load.closedLoop(clients, seconds, c -> poll(deviceUrl + pollPath, devices));
            System.out.println(Load.now() + " DDI idle polls: " + server);
            String nginxPoll = nginx.base() + "/poll.json";
            Load.closedLoop(clients, 3, c -> fetch(nginxPoll));
            Result baseline = Load.closedLoop(clients, seconds, c -> fetch(nginxPoll));
            System.out.println(Load.now() + " nginx static poll body: " + baseline);
            results.add(row("DDI idle polls (" + clients + " connections)", server));
            results.add(row("baseline: nginx, the same body as a static file", baseline));

            String artifact = "/softwaremodules/" + fw + "/artifacts/os.swu";
            Downloads ours = downloads(downloads, image.length, i -> HttpRequest.newBuilder(URI.create(deviceUrl
                    + pollPath + devices[i][0] + artifact)).header("Authorization", "TargetToken " + devices[i][1]));
            System.out.println(Load.now() + " DDI downloads: " + ours);
            Downloads theirs = downloads(downloads, image.length, i -> HttpRequest.newBuilder(
                    URI.create(nginx.base() + "/os.swu")));
            System.out.println(Load.now() + " nginx downloads: " + theirs);
            results.add(new String[] {downloads + " concurrent DDI artifact downloads of " + mb + " MB, half resumed"
                    + " from the middle", String.format(Locale.ROOT, "%.0f MB/s", ours.mbPerSecond()),
                    ours.toString()});
            results.add(new String[] {"baseline: nginx, the same file to as many clients",
                    String.format(Locale.ROOT, "%.0f MB/s", theirs.mbPerSecond()), theirs.toString()});
            results.add(new String[] {"ratio", String.format(Locale.ROOT, "polls %.2f× nginx, downloads %.2f× nginx",
                    server.requests() / server.seconds() / (baseline.requests() / baseline.seconds()),
                    ours.mbPerSecond() / theirs.mbPerSecond()), ""});
        }
        System.out.printf(Locale.ROOT, "%n| phase | figure | detail |%n| --- | --- | --- |%n");
        for (String[] r : results) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", r[0], r[1], r[2]);
        }
        System.out.println("load average after: " + Load.loadAverage());
    }

    private static String[] row(String name, Result r) {
        return new String[] {name, String.format(Locale.ROOT, "%,.0f req/s, p99 %.2f ms",
                r.requests() / r.seconds(), r.ms(99)), r.toString()};
    }

    private boolean poll(String base, String[][] devices) throws Exception {
        String[] d = devices[ThreadLocalRandom.current().nextInt(devices.length)];
        Load.expect(tls.send(HttpRequest.newBuilder(URI.create(base + d[0])).header("Authorization", "TargetToken "
                + d[1]).header("Accept", "application/hal+json").build(), HttpResponse.BodyHandlers.discarding()),
                200);
        return true;
    }

    private boolean fetch(String url) throws Exception {
        Load.expect(tls.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()),
                200);
        return true;
    }

    /** Devices with their keys: {@code [id, key]}, created by 16 parallel clients. */
    private String[][] devices(String token, int n) throws Exception {
        String[][] all = new String[n][];
        long t0 = System.nanoTime();
        AtomicLong failed = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < n; i++) {
                int k = i;
                pool.execute(() -> {
                    try {
                        String id = call("POST", "/api/v1/devices", token, "{\"name\":\"ota-" + k
                                + "\",\"device_type\":\"gateway\"}", 201).path("id").asString();
                        String key = call("POST", "/api/v1/devices/" + id + "/device-key/rotate", token, "{}", 200)
                                .path("device_key").asString();
                        all[k] = new String[] {id, key};
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                });
            }
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " devices could not be created");
        }
        System.out.printf(Locale.ROOT, "created %,d devices with keys in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        return all;
    }

    private String firmware(String token, byte[] image) throws Exception {
        String id = call("POST", "/api/v1/firmware", token, "{\"name\":\"os\",\"version\":\"bench\"}", 201).path("id")
                .asString();
        Load.expect(b.http.send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/firmware/" + id
                        + "/artifacts/os.swu")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(image))
                .build(), HttpResponse.BodyHandlers.ofString()), 201);
        return id;
    }

    interface RequestFor {
        HttpRequest.Builder request(int device);
    }

    /** Bytes moved by {@code count} downloads started at once, wall time, and server CPU. */
    record Downloads(int count, long bytes, double seconds, long failed, String cpu, Bench.Errors errors) {

        double mbPerSecond() {
            return bytes / 1024.0 / 1024.0 / seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d downloads, %,.0f MB in %.1f s, %d failed; %s%s", count,
                    bytes / 1024.0 / 1024.0, seconds, failed, cpu, errors);
        }
    }

    /** {@code count} downloads at once: even ones whole, odd ones from the middle with {@code Range}. */
    private Downloads downloads(int count, long size, RequestFor request) throws Exception {
        AtomicLong bytes = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Bench.Errors errors = new Bench.Errors();
        Bench.CpuMeter cpu = Bench.CpuMeter.start();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                int k = i;
                pool.execute(() -> {
                    long from = k % 2 == 0 ? 0 : size / 2;
                    HttpRequest.Builder r = request.request(k).timeout(Duration.ofMinutes(10));
                    if (from > 0) {
                        r.header("Range", "bytes=" + from + "-");
                    }
                    try {
                        HttpResponse<InputStream> res = tls.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
                        long got = 0;
                        try (InputStream in = res.body()) {
                            byte[] buf = new byte[64 * 1024];
                            for (int read; (read = in.read(buf)) > 0; ) {
                                got += read;
                            }
                        }
                        bytes.addAndGet(got);
                        if (res.statusCode() != (from > 0 ? 206 : 200) || got != size - from) {
                            failed.incrementAndGet();
                            errors.add("HTTP " + res.statusCode() + (got != size - from ? ", short body" : ""));
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.MINUTES);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Downloads(count, bytes.get(), secs, failed.get(), cpu.stop().toString(), errors);
    }

    private JsonNode call(String method, String path, String token, String body, int status) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(b.url + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60));
        req = body == null ? req.method(method, HttpRequest.BodyPublishers.noBody())
                : req.header("Content-Type", "application/json").method(method,
                        HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = Load.expect(b.http.send(req.build(), HttpResponse.BodyHandlers.ofString()), status);
        return r.body().isEmpty() ? Bench.JSON.createObjectNode() : Bench.JSON.readTree(r.body());
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
