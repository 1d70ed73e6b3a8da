package io.fleetkeeper.bench;

import io.fleetkeeper.bench.Bench.CpuMeter;
import io.fleetkeeper.bench.Bench.Errors;
import io.fleetkeeper.bench.Bench.Result;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code fleet} mode (issue 7): fleet queries over HTTP on an existing tenant (the {@code registry} import).
 * The query {@code type = X AND metadata.region = Y AND last_seen > now-<window>} with X and Y varied per request:
 * first page ({@code GET /devices?query=…&limit=50}) latency, {@code GET /devices/count?query=…} time, and
 * {@code GET /fleet/aggregate?group_by=firmware} over the whole tenant.
 */
final class FleetBench {

    static final String USAGE = """

            fleet options (fleet queries on an existing tenant, e.g. the registry import):
              --tenant-token fk_... | --tenant-token-file FILE   the tenant (admin or viewer token)
              --types T1,T2,...         values of X in type = X (default thermostat,camera,gateway,meter,lock)
              --regions N               Y in metadata.region = Y is eu-0 .. eu-(N-1) (default 10)
              --window W                last_seen > now-W (default 1h)
              --page-requests N         first-page requests (default 200, after --page-warmup 20)
              --count-requests N        count requests (default 20, after 2 unrecorded)
              --aggregate-requests N    aggregation requests (default 10; the first is reported apart as cold)
              --server-pid PID          server process: its CPU use per phase (PostgreSQL backends apart)
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Bench b;
    private final String token;
    private final String[] types;
    private final int regions;
    private final String window;

    FleetBench(Bench bench) throws Exception {
        this.b = bench;
        String t = bench.opts.get("tenant-token");
        if (t == null) {
            t = Files.readString(Path.of(bench.required("tenant-token-file"))).trim();
        }
        this.token = t;
        this.types = bench.opts.getOrDefault("types", "thermostat,camera,gateway,meter,lock").split(",");
        this.regions = bench.intOpt("regions", 10);
        this.window = bench.opts.getOrDefault("window", "1h");
    }

    void run() throws Exception {
        CpuMeter.serverPid = b.longOpt("server-pid", 0);
        JsonNode stats = get("/api/v1/stats/devices", 200);
        long devices = stats.path("total").asLong();
        System.out.printf(Locale.ROOT, "Fleet query benchmark against %s: tenant with %,d devices; %d CPUs; load %s%n",
                b.url, devices, Runtime.getRuntime().availableProcessors(), Load.loadAverage());
        System.out.println("query: " + query("<X>", "<Y>"));

        int pageN = b.intOpt("page-requests", 200);
        int pageWarm = b.intOpt("page-warmup", 20);
        IntFunction<String> page = i -> "/api/v1/devices?limit=50&query=" + enc(randomQuery());
        showSample("first page", page.apply(0));
        System.out.printf(Locale.ROOT, "%s first page (limit 50): %d requests after %d warm-up...%n", Load.now(),
                pageN, pageWarm);
        PgCpu pg = PgCpu.start();
        timed(page, pageWarm, null);
        pg = PgCpu.start();
        long[] items = new long[1];
        Result r = timed(page, pageN, body -> items[0] += body.path("items").size());
        System.out.printf(Locale.ROOT, "  %s; %.1f items per page; %s%n", r, (double) items[0] / pageN, pg.stop());
        b.table.add(Bench.Row.latency("first page, limit 50", r));

        int countN = b.intOpt("count-requests", 20);
        IntFunction<String> count = i -> "/api/v1/devices/count?query=" + enc(randomQuery());
        System.out.printf(Locale.ROOT, "%s count: %d requests after 2 warm-up...%n", Load.now(), countN);
        timed(count, 2, null);
        long[] sum = new long[1];
        pg = PgCpu.start();
        r = timed(count, countN, body -> sum[0] += body.path("count").asLong());
        System.out.printf(Locale.ROOT, "  %s; mean count %,.0f (%.2f %% of the tenant); %s%n", r,
                (double) sum[0] / countN, 100.0 * sum[0] / countN / Math.max(1, devices), pg.stop());
        b.table.add(Bench.Row.latency("count", r));

        int aggN = b.intOpt("aggregate-requests", 10);
        String agg = "/api/v1/fleet/aggregate?group_by=firmware";
        System.out.printf(Locale.ROOT, "%s aggregate by firmware over the tenant: 1 cold + %d requests...%n",
                Load.now(), aggN - 1);
        long[] total = new long[1];
        int[] buckets = new int[1];
        r = timed(i -> agg, 1, body -> total[0] = sumCounts(body, buckets));
        System.out.printf(Locale.ROOT, "  cold: %.1f ms; %d firmware values, %,d devices counted%n", r.ms(50),
                buckets[0], total[0]);
        b.table.add(Bench.Row.latency("aggregate by firmware, first (cold)", r));
        if (aggN > 1) {
            pg = PgCpu.start();
            r = timed(i -> agg, aggN - 1, body -> total[0] = sumCounts(body, buckets));
            System.out.printf(Locale.ROOT, "  %s; %s%n", r, pg.stop());
            b.table.add(Bench.Row.latency("aggregate by firmware", r));
        }
        if (total[0] != devices) {
            System.out.printf(Locale.ROOT, "WARNING: aggregation counted %,d devices, stats say %,d%n", total[0],
                    devices);
        }
        b.printTable(String.format(Locale.ROOT, "Fleet queries (%,d devices in the tenant; latencies in ms)",
                devices));
    }

    private String randomQuery() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return query(types[r.nextInt(types.length)], "eu-" + r.nextInt(regions));
    }

    private String query(String type, String region) {
        return "type = \"" + type + "\" AND metadata.region = \"" + region + "\" AND last_seen > now-" + window;
    }

    private static long sumCounts(JsonNode body, int[] buckets) {
        long n = 0;
        buckets[0] = body.path("items").size();
        for (JsonNode item : body.path("items")) {
            n += item.path("count").asLong();
        }
        if (body.path("truncated").asBoolean()) {
            System.out.println("  (aggregation truncated at the limit)");
        }
        return n;
    }

    private void showSample(String what, String path) throws Exception {
        HttpResponse<String> res = send(path);
        String body = res.body();
        System.out.printf(Locale.ROOT, "sample %s: HTTP %d, %s%n", what, res.statusCode(),
                body.length() > 300 ? body.substring(0, 300) + "…" : body);
    }

    interface BodyCheck {
        void accept(JsonNode body) throws Exception;
    }

    /** {@code n} sequential requests; latency of each, errors by status. */
    private Result timed(IntFunction<String> path, int n, BodyCheck check) throws Exception {
        Histogram h = new Histogram(3);
        Errors errors = new Errors();
        CpuMeter cpu = CpuMeter.start();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String p = path.apply(i);
            long s = System.nanoTime();
            HttpResponse<String> res = send(p);
            h.recordValue(System.nanoTime() - s);
            if (res.statusCode() != 200) {
                errors.add("HTTP " + res.statusCode());
                if (errors.count() == 1) {
                    System.out.println("  " + Load.problem(res.statusCode(), res.body()) + " for " + p);
                }
            } else if (check != null) {
                check.accept(JSON.readTree(res.body()));
            }
        }
        return new Result(h, n, errors, (System.nanoTime() - start) / 1e9, cpu.stop(), -1);
    }

    private HttpResponse<String> send(String path) throws Exception {
        return b.http.send(HttpRequest.newBuilder(URI.create(b.url + path)).timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path, int status) throws Exception {
        return JSON.readTree(Load.expect(send(path), status).body());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** CPU time of all local PostgreSQL processes (backends, checkpointer, …) from /proc, over one phase. */
    static final class PgCpu {
        private final double cpu0;
        private final long t0;

        private PgCpu() {
            cpu0 = total();
            t0 = System.nanoTime();
        }

        static PgCpu start() {
            return new PgCpu();
        }

        String stop() {
            double secs = (System.nanoTime() - t0) / 1e9;
            double used = total() - cpu0;
            return String.format(Locale.ROOT, "PostgreSQL processes %.2f cores", used / secs);
        }

        /** Seconds of CPU of live processes named postgres (processes that ended in between are missed). */
        static double total() {
            double s = 0;
            try (var dirs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) dirs::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        if (stat.contains("(postgres)")) {
                            s += ProcFigures.cpuSeconds(Long.parseLong(name));
                        }
                    } catch (Exception e) {
                        // gone
                    }
                }
            } catch (Exception e) {
                return 0;
            }
            return s;
        }
    }
}
