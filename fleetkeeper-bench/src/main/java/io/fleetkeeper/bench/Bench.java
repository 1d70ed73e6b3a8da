package io.fleetkeeper.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fleetkeeper benchmark driver. A command-line program that talks to a running server over HTTP and prints
 * figures; see {@link #usage()}.
 */
public final class Bench {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] TYPES = {"thermostat", "camera", "gateway", "meter", "lock"};
    private static final String[] META_KEYS = {"region", "model", "floor", "batch"};
    /** Distinct values per metadata key (extra keys beyond the first four get 100 values each). */
    private static final int[] META_CARDINALITY = {10, 50, 20, 1000};

    final Map<String, String> opts;
    final String url;
    final HttpClient http;
    final List<Row> table = new ArrayList<>();

    Bench(Map<String, String> opts) {
        this.opts = opts;
        this.url = stripSlash(opts.getOrDefault("url", "http://127.0.0.1:8080"));
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !List.of("registry", "pki", "provisioning", "mqtt", "shadow", "fleet", "jobs", "telemetry", "events", "gateway", "exports", "ota").contains(args[0])) {
            usage();
            System.exit(args.length == 0 ? 0 : 2);
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                System.err.println("unexpected argument: " + a);
                usage();
                System.exit(2);
            }
            String key = a.substring(2);
            String value = "true";
            int eq = key.indexOf('=');
            if (eq > 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            }
            opts.put(key, value);
        }
        if (opts.containsKey("help")) {
            usage();
            return;
        }
        Bench bench = new Bench(opts);
        switch (args[0]) {
            case "pki" -> new PkiBench(bench).run();
            case "provisioning" -> new ProvisioningBench(bench).run();
            case "mqtt" -> new MqttBench(bench).run();
            case "shadow" -> new ShadowBench(bench).run();
            case "fleet" -> new FleetBench(bench).run();
            case "jobs" -> new JobsBench(bench).run();
            case "telemetry" -> new TelemetryBench(bench).run();
            case "events" -> new EventsBench(bench).run();
            case "gateway" -> new GatewayBench(bench).run();
            case "exports" -> new ExportsBench(bench).run();
            case "ota" -> new OtaBench(bench).run();
            default -> bench.registry();
        }
        System.exit(0);
    }

    private static void usage() {
        System.out.println("""
                usage: java -jar fleetkeeper-bench.jar registry|pki|provisioning|mqtt|shadow|fleet|jobs|telemetry|events|gateway|exports|ota [options]

                registry options:

                  --url URL                 server base URL (default http://127.0.0.1:8080)
                  --platform-token fk_...   platform operator token: creates a fresh tenant and imports devices
                  --tenant-token fk_...     reuse an existing tenant instead (skips import; ids are sampled
                                            through the list API); --tenant-token-file FILE reads it from a file
                  --save-token FILE         write the new tenant's admin token to FILE (to reuse the dataset)
                  --devices N               devices to import (default 100000)
                  --metadata-keys K         metadata keys per device (default 4: region, model, floor, batch)
                  --import-clients P        parallel import requests (default 2)
                  --jdbc URL                the server's PostgreSQL database: after the import, the same rows are
                                            loaded with COPY in a rolled-back transaction as the baseline
                  --rows-per-request R      rows per import request, at most 100000 (default 100000)
                  --rate R                  fixed request rate for the GET-by-id run (default 2000/s)
                  --duration S              seconds per measured GET run (default 30)
                  --warmup S                warm-up seconds before the GET runs, not recorded (default 5)
                  --concurrency C           clients for the max-throughput GET run (default 16)
                  --senders S               sender threads (so at most S connections) of the fixed-rate run
                                            (default 64)
                  --list-requests N         requests per list / stats case (default 200)
                  --sample-ids N            ids sampled in reuse mode (default 20000)
                  --skip-get, --skip-list   leave out a phase
                  --nginx PATH              nginx for the GET baseline: the same runs against nginx serving the
                                            bodies of 1,000 of the devices as static files (default
                                            /usr/sbin/nginx; skipped with a message when absent)
                  --no-nginx                leave out the GET baseline
                  --server-pid PID          also report the server process's CPU use (Linux /proc)
                """ + PkiBench.USAGE + ProvisioningBench.USAGE + MqttBench.USAGE + ShadowBench.USAGE + TelemetryBench.USAGE + FleetBench.USAGE
                + JobsBench.USAGE + EventsBench.USAGE + GatewayBench.USAGE + OtaBench.USAGE);
    }

    // ------------------------------------------------------------------------------------------ driver

    private void registry() throws Exception {
        int metaKeys = intOpt("metadata-keys", 4);
        CpuMeter.serverPid = longOpt("server-pid", 0);
        String tenantToken = opts.get("tenant-token");
        if (tenantToken == null && opts.containsKey("tenant-token-file")) {
            tenantToken = Files.readString(Path.of(opts.get("tenant-token-file"))).trim();
        }
        IdSet ids;
        long devices;
        System.out.printf(Locale.ROOT, "Fleetkeeper registry benchmark against %s (%d CPUs visible to the client)%n",
                url, Runtime.getRuntime().availableProcessors());
        if (tenantToken == null) {
            String platform = required("platform-token");
            devices = longOpt("devices", 100_000);
            tenantToken = createTenant(platform);
            if (opts.containsKey("save-token")) {
                Files.writeString(Path.of(opts.get("save-token")), tenantToken + "\n");
            }
            ids = importDevices(tenantToken, devices, metaKeys);
            System.out.println("Reuse this dataset with: --tenant-token " + tenantToken);
            if (opts.containsKey("jdbc")) {
                copyBaseline(opts.get("jdbc"), devices, metaKeys);
            }
        } else {
            JsonNode stats = getJson(tenantToken, "/api/v1/stats/devices");
            devices = stats.path("total").asLong();
            System.out.printf(Locale.ROOT, "Reusing tenant with %,d devices; sampling ids...%n", devices);
            ids = sampleIds(tenantToken, devices, intOpt("sample-ids", 20_000));
            System.out.printf(Locale.ROOT, "Sampled %,d ids%n", ids.size());
        }
        if (ids.size() == 0) {
            throw new IllegalStateException("no device ids to read");
        }
        if (!opts.containsKey("skip-get")) {
            getBenchmarks(tenantToken, ids);
        }
        if (!opts.containsKey("skip-list")) {
            listBenchmarks(tenantToken, metaKeys);
        }
        printTable(String.format(Locale.ROOT, "Results (%,d devices in the tenant; latencies in ms)", devices));
    }

    // ------------------------------------------------------------------------------------------ tenant

    String createTenant(String platformToken) throws Exception {
        return newTenant(platformToken).token();
    }

    /** A tenant created for a run: its id and its admin token. */
    record NewTenant(String id, String token) {
    }

    NewTenant newTenant(String platformToken) throws Exception {
        String name = "bench-" + Long.toString(System.currentTimeMillis(), 36) + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/v1/operator/tenants"))
                .header("Authorization", "Bearer " + platformToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() / 100 != 2) {
            throw new IllegalStateException("creating tenant failed: HTTP " + res.statusCode() + " " + res.body());
        }
        JsonNode body = JSON.readTree(res.body());
        String id = body.path("tenant").path("id").asString();
        System.out.printf("Created tenant %s (%s)%n", name, id);
        return new NewTenant(id, body.path("admin_token").path("token").asString());
    }

    // ------------------------------------------------------------------------------------------ import

    IdSet importDevices(String token, long devices, int metaKeys) throws Exception {
        return importDevices(token, 0, devices, metaKeys);
    }

    /** Imports device numbers {@code first .. first + devices - 1} (serials follow the numbers). */
    IdSet importDevices(String token, long first, long devices, int metaKeys) throws Exception {
        int clients = intOpt("import-clients", 2);
        int perRequest = intOpt("rows-per-request", 100_000);
        if (perRequest < 1 || perRequest > 100_000) {
            throw new IllegalArgumentException("--rows-per-request must be 1..100000");
        }
        long chunks = (devices + perRequest - 1) / perRequest;
        System.out.printf(Locale.ROOT, "Importing %,d devices (%d metadata keys) in %,d requests of <= %,d rows, "
                + "%d in parallel...%n", devices, metaKeys, chunks, perRequest, clients);
        IdSet ids = new IdSet(devices);
        AtomicLong nextChunk = new AtomicLong();
        AtomicLong created = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong bytesSent = new AtomicLong();
        Recorder requestTimes = new Recorder(3);
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        CpuMeter cpu = CpuMeter.start();
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofPlatform().name("import-" + c).start(() -> {
                long chunk;
                while (errors.isEmpty() && (chunk = nextChunk.getAndIncrement()) < chunks) {
                    long from = first + chunk * perRequest;
                    long to = Math.min(first + devices, from + perRequest);
                    long s = System.nanoTime();
                    try {
                        ImportOutcome o = importChunk(token, from, to, metaKeys, ids);
                        created.addAndGet(o.created);
                        failed.addAndGet(o.failed);
                        bytesSent.addAndGet(o.bytes);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                    requestTimes.recordValue(System.nanoTime() - s);
                }
            }));
        }
        Thread progress = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Thread.sleep(10_000);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "  ... %,d created in %.0f s (%,.0f devices/s)%n", ids.size(), secs,
                            ids.size() / secs);
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        for (Thread t : threads) {
            t.join();
        }
        progress.interrupt();
        double secs = (System.nanoTime() - t0) / 1e9;
        CpuMeter.Usage usage = cpu.stop();
        if (!errors.isEmpty()) {
            Throwable e = errors.get(0);
            throw new IllegalStateException("import failed: " + e, e);
        }
        double rate = created.get() / secs;
        Histogram h = requestTimes.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "Imported %,d devices (%,d failed) in %.1f s: %,.0f devices/s; %.0f MB sent; "
                + "per-request time p50 %.1f s, max %.1f s; %s%n", created.get(), failed.get(), secs, rate,
                bytesSent.get() / 1e6, h.getValueAtPercentile(50) / 1e9, h.getMaxValue() / 1e9, usage);
        table.add(Row.text("import (" + clients + " parallel requests)",
                String.format(Locale.ROOT, "%,.0f devices/s  (%,d devices in %.1f s, %,d failed)", rate,
                        created.get(), secs, failed.get()), usage.toString()));
        if (failed.get() > 0) {
            System.out.println("WARNING: some rows failed; see above");
        }
        return ids;
    }

    /**
     * The import's baseline: the same rows the import wrote for {@code devices} devices (device, metadata, tag
     * and event rows, with every index of those tables) loaded by {@code COPY … FROM STDIN} straight into the
     * server's PostgreSQL database, in one transaction that is rolled back. Serials follow the imported ones, in
     * the import's tenant, so the unique indexes see the same table.
     */
    private void copyBaseline(String jdbc, long devices, int metaKeys) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbc)) {
            c.setAutoCommit(false);
            String tenant;
            try (var st = c.prepareStatement("SELECT tenant_id FROM devices WHERE serial = ?")) {
                st.setString(1, serial(0));
                try (var rs = st.executeQuery()) {
                    rs.next();
                    tenant = rs.getString(1);
                }
            }
            var copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            System.out.printf(Locale.ROOT, "COPY baseline: %,d devices into the same tables (rolled back)...%n",
                    devices);
            CpuMeter cpu = CpuMeter.start();
            long t0 = System.nanoTime();
            long now = System.currentTimeMillis();
            int chunk = 100_000;
            for (long from = devices; from < 2 * devices; from += chunk) {
                long to = Math.min(2 * devices, from + chunk);
                StringBuilder dev = new StringBuilder();
                StringBuilder meta = new StringBuilder();
                StringBuilder tags = new StringBuilder();
                StringBuilder events = new StringBuilder();
                for (long i = from; i < to; i++) {
                    long h = mix(i);
                    long h2 = mix(h);
                    String id = java.util.UUID.randomUUID().toString();
                    String type = TYPES[(int) Long.remainderUnsigned(h, TYPES.length)];
                    List<String> tagList = new ArrayList<>(List.of("fleet-" + Long.remainderUnsigned(h >>> 8, 20),
                            Long.remainderUnsigned(h >>> 16, 5) == 0 ? "staging" : "prod"));
                    if (Long.remainderUnsigned(h >>> 24, 4) == 0) {
                        tagList.add("outdoor");
                    }
                    StringBuilder metaJson = new StringBuilder("{");
                    for (int k = 0; k < metaKeys; k++) {
                        long v = Long.remainderUnsigned(mix(h2 + k), k < META_CARDINALITY.length ? META_CARDINALITY[k]
                                : 100);
                        String value = metaValue(k, v);
                        metaJson.append(k > 0 ? "," : "").append("\"\"").append(metaKey(k)).append("\"\":\"\"")
                                .append(value).append("\"\"");
                        meta.append(tenant).append(',').append(id).append(',').append(metaKey(k)).append(',')
                                .append(value).append(",string,\n");
                    }
                    metaJson.append('}');
                    StringBuilder tagJson = new StringBuilder("[");
                    for (String t : tagList) {
                        tagJson.append(tagJson.length() > 1 ? "," : "").append("\"\"").append(t).append("\"\"");
                        tags.append(tenant).append(',').append(id).append(',').append(t).append('\n');
                    }
                    tagJson.append(']');
                    dev.append(tenant).append(',').append(id).append(',').append(type).append('-').append(i)
                            .append(',').append(type).append(',').append(serial(i)).append(",ACTIVE,1.")
                            .append(Long.remainderUnsigned(h >>> 32, 8)).append('.')
                            .append(Long.remainderUnsigned(h >>> 40, 3)).append(",rev-")
                            .append((char) ('A' + Long.remainderUnsigned(h >>> 48, 3))).append(",\"")
                            .append(tagJson).append("\",\"").append(metaJson).append("\",").append(now).append(",,")
                            .append(now).append(",1,NO_IDENTITY\n");
                    events.append(tenant).append(',').append(id).append(",CREATED,bench,\"{\"\"source\"\":\"\"import\"\"}\",")
                            .append(now).append('\n');
                }
                copy.copyIn("COPY devices (tenant_id, id, name, device_type, serial, status, firmware_version,"
                        + " hardware_revision, tags, metadata, registered_at, last_seen_at, updated_at, version,"
                        + " identity_status) FROM STDIN (FORMAT csv)", new java.io.StringReader(dev.toString()));
                copy.copyIn("COPY device_metadata (tenant_id, device_id, key, value, value_type, value_num)"
                        + " FROM STDIN (FORMAT csv)", new java.io.StringReader(meta.toString()));
                copy.copyIn("COPY device_tags (tenant_id, device_id, tag) FROM STDIN (FORMAT csv)",
                        new java.io.StringReader(tags.toString()));
                copy.copyIn("COPY device_events (tenant_id, device_id, type, actor, details, at) FROM STDIN"
                        + " (FORMAT csv)", new java.io.StringReader(events.toString()));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            CpuMeter.Usage usage = cpu.stop();
            c.rollback();
            double rate = devices / secs;
            System.out.printf(Locale.ROOT, "COPY baseline: %,d devices in %.1f s: %,.0f devices/s; %s%n", devices, secs,
                    rate, usage);
            table.add(Row.text("baseline: COPY of the same rows (rolled back)",
                    String.format(Locale.ROOT, "%,.0f devices/s  (%,d devices in %.1f s)", rate, devices, secs),
                    usage.toString()));
        }
    }

    private record ImportOutcome(long created, long failed, long bytes) {
    }

    /**
     * Sends rows {@code [from, to)} as one streamed NDJSON import over a raw HTTP/1.1 connection. The body is
     * generated on the fly in one thread while another reads the streamed per-row results, so neither side
     * ever buffers a whole request or response.
     */
    private ImportOutcome importChunk(String token, long from, long to, int metaKeys, IdSet ids) throws Exception {
        URI u = URI.create(url);
        int port = u.getPort() > 0 ? u.getPort() : 80;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setReceiveBufferSize(1 << 20);
            socket.setSendBufferSize(1 << 20);
            socket.connect(new InetSocketAddress(u.getHost(), port), 10_000);
            AtomicLong bytes = new AtomicLong();
            Throwable[] writeError = new Throwable[1];
            Thread writer = Thread.ofPlatform().name("import-writer").start(() -> {
                try {
                    OutputStream raw = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
                    String head = "POST /api/v1/devices/import HTTP/1.1\r\nHost: " + u.getHost() + ":" + port
                            + "\r\nAuthorization: Bearer " + token
                            + "\r\nContent-Type: application/x-ndjson\r\nAccept: application/x-ndjson"
                            + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
                    raw.write(head.getBytes(StandardCharsets.US_ASCII));
                    ChunkedOutputStream body = new ChunkedOutputStream(raw, 1 << 16);
                    StringBuilder sb = new StringBuilder(512);
                    for (long i = from; i < to; i++) {
                        sb.setLength(0);
                        deviceJson(sb, i, metaKeys);
                        sb.append('\n');
                        byte[] line = sb.toString().getBytes(StandardCharsets.UTF_8);
                        body.write(line, 0, line.length);
                        bytes.addAndGet(line.length);
                    }
                    body.finish();
                    raw.flush();
                } catch (Throwable e) {
                    writeError[0] = e;
                }
            });
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            String status = readLine(in);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h; !(h = readLine(in)).isEmpty(); ) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            InputStream body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))
                    ? new ChunkedInputStream(in) : in;
            if (!status.startsWith("HTTP/1.1 200")) {
                String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                throw new IllegalStateException("import request failed: " + status + " " + text);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 1 << 16);
            long created = 0;
            long failed = 0;
            int shownFailures = 0;
            JsonNode summary = null;
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isEmpty()) {
                    continue;
                }
                int at = line.indexOf("\"result\":\"created\"");
                if (at >= 0) {
                    int id = line.indexOf("\"id\":\"");
                    ids.add(UUID.fromString(line.substring(id + 6, id + 42)));
                    created++;
                } else if (line.startsWith("{\"summary\"")) {
                    summary = JSON.readTree(line).path("summary");
                } else {
                    failed++;
                    if (shownFailures++ < 3) {
                        System.out.println("  row failed: " + line);
                    }
                }
            }
            writer.join();
            if (summary == null) {
                throw new IllegalStateException("import response ended without a summary (write error: "
                        + writeError[0] + ")");
            }
            if (summary.path("created").asLong() != created) {
                throw new IllegalStateException("summary disagrees with rows: " + summary);
            }
            return new ImportOutcome(created, failed, bytes.get());
        }
    }

    private static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** Device number {@code i}; every attribute derives from a hash of {@code i}, so runs are reproducible. */
    static void deviceJson(StringBuilder sb, long i, int metaKeys) {
        long h = mix(i);
        long h2 = mix(h);
        String type = TYPES[(int) Long.remainderUnsigned(h, TYPES.length)];
        sb.append("{\"name\":\"").append(type).append('-').append(i)
                .append("\",\"device_type\":\"").append(type)
                .append("\",\"serial\":\"").append(serial(i))
                .append("\",\"tags\":[\"fleet-").append(Long.remainderUnsigned(h >>> 8, 20)).append('"');
        sb.append(Long.remainderUnsigned(h >>> 16, 5) == 0 ? ",\"staging\"" : ",\"prod\"");
        if (Long.remainderUnsigned(h >>> 24, 4) == 0) {
            sb.append(",\"outdoor\"");
        }
        sb.append("],\"metadata\":{");
        for (int k = 0; k < metaKeys; k++) {
            if (k > 0) {
                sb.append(',');
            }
            long v = Long.remainderUnsigned(mix(h2 + k), k < META_CARDINALITY.length ? META_CARDINALITY[k] : 100);
            sb.append('"').append(metaKey(k)).append("\":\"").append(metaValue(k, v)).append('"');
        }
        sb.append("},\"firmware_version\":\"1.").append(Long.remainderUnsigned(h >>> 32, 8)).append('.')
                .append(Long.remainderUnsigned(h >>> 40, 3))
                .append("\",\"hardware_revision\":\"rev-").append((char) ('A' + Long.remainderUnsigned(h >>> 48, 3)))
                .append("\"}");
    }

    static String serial(long i) {
        return String.format(Locale.ROOT, "D%010d", i);
    }

    static String metaKey(int k) {
        return k < META_KEYS.length ? META_KEYS[k] : "attr" + k;
    }

    static String metaValue(int k, long v) {
        return switch (k) {
            case 0 -> "eu-" + v;
            case 1 -> "m-" + v;
            case 2 -> "f" + v;
            case 3 -> "b-" + v;
            default -> "v" + v;
        };
    }

    // ------------------------------------------------------------------------------------------ reuse mode

    /**
     * Samples ids of an existing dataset: pages of up to 1,000 devices whose serial starts with a random
     * 7-digit prefix (the serials this program generates are {@code D} + 10 digits).
     */
    private IdSet sampleIds(String token, long devices, int wanted) throws Exception {
        IdSet ids = new IdSet(wanted + 1000);
        long blocks = Math.max(1, (devices + 999) / 1000);
        int attempts = 0;
        while (ids.size() < wanted && attempts++ < wanted / 100 + 20) {
            long block = ThreadLocalRandom.current().nextLong(blocks);
            String prefix = String.format(Locale.ROOT, "D%07d", block);
            JsonNode page = getJson(token, "/api/v1/devices?serial_prefix=" + prefix + "&limit=1000");
            for (JsonNode d : page.path("items")) {
                ids.add(UUID.fromString(d.path("id").asString()));
            }
        }
        if (ids.size() == 0) {
            // Not a dataset this program generated: fall back to the first pages in id order.
            String cursor = null;
            do {
                JsonNode page = getJson(token, "/api/v1/devices?limit=1000"
                        + (cursor == null ? "" : "&cursor=" + cursor));
                for (JsonNode d : page.path("items")) {
                    ids.add(UUID.fromString(d.path("id").asString()));
                }
                cursor = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
            } while (cursor != null && ids.size() < wanted);
        }
        return ids;
    }

    private JsonNode getJson(String token, String path) throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(url + path))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + res.statusCode() + " " + res.body());
        }
        return JSON.readTree(res.body());
    }

    // ------------------------------------------------------------------------------------------ GET by id

    private void getBenchmarks(String token, IdSet ids) throws Exception {
        int rate = intOpt("rate", 2000);
        int duration = intOpt("duration", 30);
        int warmup = intOpt("warmup", 5);
        int concurrency = intOpt("concurrency", 16);
        IntFunction<HttpRequest> request = n -> {
            UUID id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
            return HttpRequest.newBuilder(URI.create(url + "/api/v1/devices/" + id))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).GET().build();
        };
        if (warmup > 0) {
            System.out.printf("Warm-up: %d s at max throughput with %d clients (not recorded)...%n", warmup,
                    concurrency);
            closedLoop(request, concurrency, warmup);
            System.out.printf("Warm-up: %d s at %d req/s (not recorded)...%n", Math.min(warmup, 3), rate);
            openLoop(request, rate, Math.min(warmup, 3));
        }
        System.out.printf("GET by id at a fixed %d req/s for %d s (open loop, latency from intended send time)...%n",
                rate, duration);
        Result fixed = openLoop(request, rate, duration);
        table.add(Row.latency("GET /devices/{id} @ " + rate + "/s (open loop)", fixed));
        System.out.println("  " + fixed);
        System.out.printf("GET by id at max throughput, %d clients, %d s...%n", concurrency, duration);
        Result max = closedLoop(request, concurrency, duration);
        table.add(Row.latency("GET /devices/{id} max, " + concurrency + " clients", max));
        System.out.println("  " + max);
        if (!opts.containsKey("no-nginx")) {
            nginxBaseline(token, ids, fixed, max);
        }
    }

    /**
     * The GET runs again, with the same clients, schedule and headers, against nginx serving the bodies of up to
     * 1,000 of the tenant's devices as static files at the same paths: what the machine gives an HTTP server that
     * does nothing but send bytes, in the same run.
     */
    private void nginxBaseline(String token, IdSet ids, Result fixed, Result max) throws Exception {
        String binary = opts.getOrDefault("nginx", Nginx.DEFAULT_BINARY);
        if (!Files.isExecutable(Path.of(binary))) {
            System.out.println("Baseline skipped: no nginx at " + binary + " (--nginx PATH)");
            return;
        }
        int rate = intOpt("rate", 2000);
        int duration = intOpt("duration", 30);
        int concurrency = intOpt("concurrency", 16);
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<UUID> sample = new ArrayList<>();
        for (int i = 0; i < Math.min(ids.size(), 1000); i++) {
            UUID id = ids.get(i);
            HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/devices/" + id))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (res.statusCode() == 200) {
                files.put("api/v1/devices/" + id, res.body());
                sample.add(id);
            }
        }
        try (Nginx nginx = Nginx.start(binary, files, false)) {
            IntFunction<HttpRequest> request = n -> HttpRequest.newBuilder(URI.create(nginx.base()
                    + "/api/v1/devices/" + sample.get(ThreadLocalRandom.current().nextInt(sample.size()))))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).GET().build();
            long saved = CpuMeter.serverPid;
            CpuMeter.serverPid = 0; // nginx's CPU is in its workers, not measured here
            try {
                System.out.printf("Baseline: nginx serving %d device bodies as static files, same runs...%n",
                        sample.size());
                closedLoop(request, concurrency, 3);
                Result nFixed = openLoop(request, rate, duration);
                table.add(Row.latency("baseline: nginx, same bodies @ " + rate + "/s (open loop)", nFixed));
                System.out.println("  " + nFixed);
                Result nMax = closedLoop(request, concurrency, duration);
                table.add(Row.latency("baseline: nginx, same bodies, max, " + concurrency + " clients", nMax));
                System.out.println("  " + nMax);
                String ratio = String.format(Locale.ROOT, "open loop p99 %.1f×, closed loop p99 %.1f×, req/s %.2f×",
                        fixed.ms(99) / nFixed.ms(99), max.ms(99) / nMax.ms(99),
                        max.requests() / max.seconds() / (nMax.requests() / nMax.seconds()));
                table.add(Row.text("ratio: server / nginx", ratio, ""));
                System.out.println("  server / nginx: " + ratio);
            } finally {
                CpuMeter.serverPid = saved;
            }
        }
    }

    /**
     * Sends at {@code rate} per second on a fixed schedule (request i is due at start + i / rate) from a bounded
     * set of sender threads; each latency counts from the request's scheduled time, so time spent waiting for a
     * free sender or connection is included (coordinated-omission correction).
     */
    private Result openLoop(IntFunction<HttpRequest> request, int rate, int seconds) throws Exception {
        Recorder rec = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong maxBehind = new AtomicLong();
        AtomicLong next = new AtomicLong();
        Errors errors = new Errors();
        long interval = 1_000_000_000L / rate;
        long total = (long) rate * seconds;
        int senders = intOpt("senders", 64);
        CpuMeter cpu = CpuMeter.start();
        long start = System.nanoTime() + 1_000_000;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < senders; w++) {
                pool.execute(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < total) {
                        long intended = start + i * interval;
                        long now;
                        while ((now = System.nanoTime()) < intended) {
                            LockSupport.parkNanos(intended - now);
                        }
                        maxBehind.accumulateAndGet(now - intended, Math::max);
                        send(request.apply(0), errors);
                        rec.recordValue(Math.max(0, System.nanoTime() - intended));
                        done.incrementAndGet();
                    }
                });
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new Result(rec.getIntervalHistogram(), done.get(), errors, secs, cpu.stop(), maxBehind.get() / 1e6);
    }

    private void send(HttpRequest req, Errors errors) {
        try {
            HttpResponse<Void> res = http.send(req, HttpResponse.BodyHandlers.discarding());
            if (res.statusCode() != 200) {
                errors.add("HTTP " + res.statusCode());
            }
        } catch (Exception e) {
            errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Counts failures by kind. */
    static final class Errors {
        final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> kinds = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicLong count = new AtomicLong();

        void add(String kind) {
            count.incrementAndGet();
            kinds.computeIfAbsent(kind.length() > 120 ? kind.substring(0, 120) : kind, k -> new AtomicLong())
                    .incrementAndGet();
        }

        long count() {
            return count.get();
        }

        @Override
        public String toString() {
            return kinds.isEmpty() ? "" : "; errors by kind " + kinds;
        }
    }

    /** {@code clients} threads each send back-to-back for {@code seconds}. */
    private Result closedLoop(IntFunction<HttpRequest> request, int clients, int seconds) throws Exception {
        Recorder rec = new Recorder(3);
        Errors errors = new Errors();
        AtomicLong done = new AtomicLong();
        CpuMeter cpu = CpuMeter.start();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                pool.execute(() -> {
                    while (System.nanoTime() < end) {
                        HttpRequest req = request.apply(0);
                        long s = System.nanoTime();
                        send(req, errors);
                        rec.recordValue(System.nanoTime() - s);
                        done.incrementAndGet();
                    }
                });
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new Result(rec.getIntervalHistogram(), done.get(), errors, secs, cpu.stop(), -1);
    }

    // ------------------------------------------------------------------------------------------ lists, stats

    private void listBenchmarks(String token, int metaKeys) throws Exception {
        int n = intOpt("list-requests", 200);
        Map<String, IntFunction<String>> cases = new LinkedHashMap<>();
        cases.put("list status=active, first page of 50", i -> "/api/v1/devices?status=active&limit=50");
        if (metaKeys > 0) {
            cases.put("list metadata region=<1 of 10>, first 50",
                    i -> "/api/v1/devices?limit=50&metadata=" + enc("region=" + metaValue(0, rnd(10))));
        }
        if (metaKeys > 3) {
            cases.put("list metadata batch=<1 of 1000>, first 50",
                    i -> "/api/v1/devices?limit=50&metadata=" + enc("batch=" + metaValue(3, rnd(1000))));
        }
        cases.put("list tag=fleet-<1 of 20>, first 50", i -> "/api/v1/devices?limit=50&tag=fleet-" + rnd(20));
        cases.put("GET /stats/devices", i -> "/api/v1/stats/devices");
        for (var e : cases.entrySet()) {
            System.out.printf("%s: %d requests (after %d warm-up)...%n", e.getKey(), n, Math.min(20, n));
            sequential(token, e.getValue(), Math.min(20, n));
            Result r = sequential(token, e.getValue(), n);
            System.out.println("  " + r);
            table.add(Row.latency(e.getKey(), r));
        }
    }

    private static long rnd(int bound) {
        return ThreadLocalRandom.current().nextInt(bound);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Result sequential(String token, IntFunction<String> path, int n) throws Exception {
        Histogram h = new Histogram(3);
        Errors errors = new Errors();
        CpuMeter cpu = CpuMeter.start();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url + path.apply(i)))
                    .header("Authorization", "Bearer " + token).GET().build();
            long s = System.nanoTime();
            HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            h.recordValue(System.nanoTime() - s);
            if (res.statusCode() != 200) {
                errors.add("HTTP " + res.statusCode());
                if (errors.count() == 1) {
                    System.out.println("  HTTP " + res.statusCode() + ": " + new String(res.body(),
                            StandardCharsets.UTF_8));
                }
            }
        }
        return new Result(h, n, errors, (System.nanoTime() - start) / 1e9, cpu.stop(), -1);
    }

    // ------------------------------------------------------------------------------------------ output

    record Result(Histogram h, long requests, Errors errors, double seconds, CpuMeter.Usage cpu,
            double maxBehindMs) {

        double ms(double percentile) {
            return h.getValueAtPercentile(percentile) / 1e6;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,d requests, %d errors, %,.0f req/s; p50 %.3f ms, p95 %.3f ms, "
                    + "p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; %s%s%s", requests, errors.count(), requests / seconds, ms(50),
                    ms(95), ms(99), ms(99.9), h.getMaxValue() / 1e6, cpu,
                    maxBehindMs >= 0 ? String.format(Locale.ROOT, "; sender max lag %.2f ms", maxBehindMs) : "",
                    errors);
        }
    }

    record Row(String name, Result result, String text, String cpu) {
        static Row latency(String name, Result r) {
            return new Row(name, r, null, r.cpu.toString());
        }

        static Row text(String name, String text, String cpu) {
            return new Row(name, null, text, cpu);
        }
    }

    void printTable(String heading) {
        System.out.println();
        System.out.println(heading);
        String fmt = "%-44s %9s %8s %8s %8s %8s %8s %8s %7s  %s%n";
        System.out.printf(Locale.ROOT, fmt, "case", "requests", "req/s", "p50", "p95", "p99", "p99.9", "max",
                "errors", "cpu");
        System.out.println("-".repeat(150));
        for (Row row : table) {
            if (row.result == null) {
                System.out.printf(Locale.ROOT, "%-44s %s; %s%n", row.name, row.text, row.cpu);
                continue;
            }
            Result r = row.result;
            System.out.printf(Locale.ROOT, fmt, row.name, String.format(Locale.ROOT, "%,d", r.requests),
                    String.format(Locale.ROOT, "%,.0f", r.requests / r.seconds), f3(r.ms(50)), f3(r.ms(95)),
                    f3(r.ms(99)), f3(r.ms(99.9)), f3(r.h.getMaxValue() / 1e6), r.errors.count(), row.cpu);
        }
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    // ------------------------------------------------------------------------------------------ helpers

    String required(String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required (or pass --tenant-token to reuse a tenant)");
        }
        return v;
    }

    int intOpt(String key, int def) {
        return opts.containsKey(key) ? Integer.parseInt(opts.get(key).replace("_", "")) : def;
    }

    long longOpt(String key, long def) {
        return opts.containsKey(key) ? Long.parseLong(opts.get(key).replace("_", "")) : def;
    }

    static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1 && b.size() == 0) {
            throw new IOException("connection closed");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Growable, thread-safe set of UUIDs stored as pairs of longs. */
    static final class IdSet {
        private long[] bits;
        private volatile int size;

        IdSet(long expected) {
            bits = new long[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, expected * 2))];
        }

        synchronized void add(UUID id) {
            if (size * 2 + 2 > bits.length) {
                bits = java.util.Arrays.copyOf(bits, bits.length * 2);
            }
            bits[size * 2] = id.getMostSignificantBits();
            bits[size * 2 + 1] = id.getLeastSignificantBits();
            size++;
        }

        int size() {
            return size;
        }

        UUID get(int i) {
            long[] b = bits;
            return new UUID(b[i * 2], b[i * 2 + 1]);
        }
    }

    /** Machine-wide CPU use from /proc/stat plus this process's own CPU time, over one phase. */
    static final class CpuMeter {
        private final long[] stat;
        private final long ownNanos;
        private final long wall;

        /** Server process id (--server-pid), whose CPU time is read from /proc/PID/stat; 0 if unknown. */
        static long serverPid;
        private final long serverTicks;

        private CpuMeter() {
            this.stat = procStat();
            this.ownNanos = ownCpu();
            this.serverTicks = serverTicks();
            this.wall = System.nanoTime();
        }

        /** utime + stime of the server process in clock ticks (1/100 s on Linux), or -1. */
        private static long serverTicks() {
            if (serverPid <= 0) {
                return -1;
            }
            try {
                String s = Files.readString(Path.of("/proc/" + serverPid + "/stat"));
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (Exception e) {
                return -1;
            }
        }

        static CpuMeter start() {
            return new CpuMeter();
        }

        record Usage(double machineBusy, double benchCores, double serverCores) {
            @Override
            public String toString() {
                String server = serverCores < 0 ? "" : String.format(Locale.ROOT, ", server %.2f cores", serverCores);
                if (machineBusy < 0) {
                    return String.format(Locale.ROOT, "bench client %.2f cores%s", benchCores, server);
                }
                return String.format(Locale.ROOT, "machine %.0f%% busy, bench %.2f cores%s",
                        machineBusy * 100, benchCores, server);
            }
        }

        Usage stop() {
            long[] now = procStat();
            double wallSecs = (System.nanoTime() - wall) / 1e9;
            double bench = (ownCpu() - ownNanos) / 1e9 / wallSecs;
            long ticks = serverTicks();
            double server = ticks < 0 || serverTicks < 0 ? -1 : (ticks - serverTicks) / 100.0 / wallSecs;
            if (stat == null || now == null) {
                return new Usage(-1, bench, server);
            }
            double busy = now[0] - stat[0];
            double total = now[1] - stat[1];
            return new Usage(total == 0 ? 0 : busy / total, bench, server);
        }

        private static long ownCpu() {
            var os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return sun.getProcessCpuTime();
            }
            return 0;
        }

        /** {busy, total} jiffies of the first line of /proc/stat, or null off Linux. */
        private static long[] procStat() {
            try {
                String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
                String[] f = first.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length; i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
                return new long[] {total - idle, total};
            } catch (Exception e) {
                return null;
            }
        }
    }

    /** HTTP/1.1 chunked transfer coding, buffering up to {@code size} bytes per chunk. */
    static final class ChunkedOutputStream extends OutputStream {
        private final OutputStream out;
        private final byte[] buf;
        private int n;

        ChunkedOutputStream(OutputStream out, int size) {
            this.out = out;
            this.buf = new byte[size];
        }

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) {
                flushChunk();
            }
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (n == buf.length) {
                    flushChunk();
                }
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
            }
        }

        private void flushChunk() throws IOException {
            if (n > 0) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(buf, 0, n);
                out.write('\r');
                out.write('\n');
                out.flush();
                n = 0;
            }
        }

        void finish() throws IOException {
            flushChunk();
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** Decodes an HTTP/1.1 chunked body. */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;
        private boolean eof;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        private boolean next() throws IOException {
            if (eof) {
                return false;
            }
            if (remaining == 0) {
                String line = readLine(in);
                if (line.isEmpty()) {
                    line = readLine(in);
                }
                int semi = line.indexOf(';');
                remaining = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
                if (remaining == 0) {
                    eof = true;
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (!next()) {
                return -1;
            }
            int c = in.read();
            if (c >= 0) {
                remaining--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!next()) {
                return -1;
            }
            int k = in.read(b, off, (int) Math.min(len, remaining));
            if (k > 0) {
                remaining -= k;
            }
            return k;
        }
    }

    static {
        // Keep the JDK client from capping pooled keep-alive connections too early under load.
        System.setProperty("jdk.httpclient.keepalive.timeout", "60");
    }
}
