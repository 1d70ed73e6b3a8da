package io.fleetkeeper.bench;

import io.fleetkeeper.bench.Bench.CpuMeter;
import io.fleetkeeper.bench.FleetBench.PgCpu;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code jobs} mode (issue 7): a command job over ~1,000,000 devices of an existing tenant. Measures the create
 * request, the time until targeting is done, the dispatch rate without a rate limit (executions leaving
 * {@code QUEUED} per second, from the job's progress counts sampled over time), and for a second job with
 * {@code rollout.max_per_minute} the executions started per minute against the limit. Jobs are canceled after
 * measuring. The devices need not be connected: a command execution is {@code IN_PROGRESS} once its command is
 * created.
 */
final class JobsBench {

    static final String USAGE = """

            jobs options (command jobs on an existing tenant, e.g. the registry import):
              --tenant-token fk_... | --tenant-token-file FILE   the tenant (admin or operator token)
              --query Q                 target of the unlimited job (default metadata.region = "eu-3", ~1/10)
              --rate-query Q            target of the rate-limited job (default metadata.region = "eu-4")
              --max-per-minute R        rollout.max_per_minute of the second job (default 6000; 0 = skip it)
              --rate-minutes M          minutes the second job is watched (default 3)
              --poll-ms MS              progress sampling interval (default 500)
              --dispatch-timeout S      give up waiting for dispatch of the first job after S s (default 1200)
              --cancel-force            cancel with ?force=true (in-progress executions and their commands too;
                                        default true; --cancel-force false leaves the commands to expire)
              --skip-unlimited          only the rate-limited job
              --server-pid PID          server process: its CPU use per phase (PostgreSQL processes apart)
              --ota                     OTA campaigns instead of command jobs: a firmware with a 1 KB artifact,
                                        offered to the same targets (a campaign runs as a job: same figures;
                                        a device leaves QUEUED when it is notified)
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] STATES = {"QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED",
        "CANCELED"};

    private final Bench b;
    private final String token;
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    JobsBench(Bench bench) throws Exception {
        this.b = bench;
        String t = bench.opts.get("tenant-token");
        if (t == null) {
            t = Files.readString(Path.of(bench.required("tenant-token-file"))).trim();
        }
        this.token = t;
    }

    /** One sample of a job's progress. */
    record Sample(double t, String status, long targeted, boolean targetingDone, Map<String, Long> counts) {
        long queued() {
            return counts.getOrDefault("QUEUED", 0L);
        }

        /** Executions that have left QUEUED (every state but QUEUED). */
        long started() {
            long n = 0;
            for (var e : counts.entrySet()) {
                if (!e.getKey().equals("QUEUED")) {
                    n += e.getValue();
                }
            }
            return n;
        }
    }

    void run() throws Exception {
        CpuMeter.serverPid = b.longOpt("server-pid", 0);
        long devices = get("/api/v1/stats/devices").path("total").asLong();
        System.out.printf(Locale.ROOT, "Jobs benchmark against %s: tenant with %,d devices; %d CPUs; load %s%n", b.url,
                devices, Runtime.getRuntime().availableProcessors(), Load.loadAverage());
        if (!b.opts.containsKey("skip-unlimited")) {
            unlimited(b.opts.getOrDefault("query", "metadata.region = \"eu-3\""));
        }
        int rate = b.intOpt("max-per-minute", 6000);
        if (rate > 0) {
            limited(b.opts.getOrDefault("rate-query", "metadata.region = \"eu-4\""), rate,
                    b.intOpt("rate-minutes", 3));
        }
    }

    // ------------------------------------------------------------------------------------------ unlimited job

    private void unlimited(String query) throws Exception {
        long expected = count(query);
        ObjectNode body = jobBody("unlimited", query);
        System.out.printf(Locale.ROOT, "%s job 1 (no rate limit): %s -> %,d devices%n", Load.now(), query, expected);
        CpuMeter cpu = CpuMeter.start();
        PgCpu pg = PgCpu.start();
        long t0 = System.nanoTime();
        JsonNode job = create(body);
        double createMs = (System.nanoTime() - t0) / 1e6;
        String id = job.path("id").asString();
        System.out.printf(Locale.ROOT, "  created %s in %.1f ms (HTTP 201), status %s%n", id, createMs,
                job.path("status").asString());
        int pollMs = b.intOpt("poll-ms", 500);
        double deadline = b.intOpt("dispatch-timeout", 1200);
        List<Sample> samples = new ArrayList<>();
        Sample targeted = null;
        double nextPrint = 5;
        while (true) {
            Sample s = sample(id, t0);
            samples.add(s);
            if (targeted == null && s.targetingDone()) {
                targeted = s;
                System.out.printf(Locale.ROOT, "  targeting done at %.1f s: %,d targeted (expected %,d); %,d already "
                        + "started%n", s.t(), s.targeted(), expected, s.started());
            }
            if (s.t() >= nextPrint) {
                System.out.printf(Locale.ROOT, "  t=%5.0f s  targeted %,9d  queued %,9d  started %,9d  %s%n", s.t(),
                        s.targeted(), s.queued(), s.started(), s.counts());
                nextPrint += 5;
            }
            boolean finalState = !s.status().equals("IN_PROGRESS") && !s.status().equals("PAUSED");
            if (s.targetingDone() && s.queued() == 0 || finalState || s.t() > deadline) {
                if (s.t() > deadline) {
                    System.out.printf(Locale.ROOT, "  gave up waiting after %.0f s%n", s.t());
                }
                break;
            }
            Thread.sleep(pollMs);
        }
        CpuMeter.Usage usage = cpu.stop();
        String pgUsage = pg.stop();
        Sample last = samples.getLast();
        Sample firstStart = samples.stream().filter(s -> s.started() > 0).findFirst().orElse(last);
        double dispatchSecs = last.t() - firstStart.t();
        double overall = dispatchSecs > 0 ? last.started() / dispatchSecs : 0;
        double afterTargeting = -1;
        if (targeted != null && last.t() > targeted.t()) {
            afterTargeting = (last.started() - targeted.started()) / (last.t() - targeted.t());
        }
        double best5 = bestRate(samples, 5);
        System.out.printf(Locale.ROOT, "  dispatched %,d of %,d in %.1f s after the first start (%.1f s after "
                + "create): %,.0f executions/s overall, %,.0f/s after targeting was done, best 5 s %,.0f/s; %s, %s%n",
                last.started(), last.targeted(), dispatchSecs, last.t(), overall, afterTargeting, best5, usage, pgUsage);
        b.table.add(Bench.Row.text("job 1: create request", String.format(Locale.ROOT, "%.1f ms", createMs), ""));
        b.table.add(Bench.Row.text("job 1: targeting done", targeted == null ? "not done" : String.format(Locale.ROOT,
                "%.1f s after create, %,d targeted (query counts %,d)", targeted.t(), targeted.targeted(), expected),
                ""));
        b.table.add(Bench.Row.text("job 1: dispatch, no rate limit", String.format(Locale.ROOT,
                "%,.0f executions/s overall (%,d in %.1f s), %,.0f/s after targeting, best 5 s %,.0f/s", overall,
                last.started(), dispatchSecs, afterTargeting, best5), usage + ", " + pgUsage));
        cancel(id, "job 1");
        b.printTable("Jobs: job 1 (no rate limit)");
        b.table.clear();
    }

    /** Highest started-executions rate over any window of at least {@code secs} between samples. */
    private static double bestRate(List<Sample> samples, double secs) {
        double best = 0;
        int j = 0;
        for (int i = 0; i < samples.size(); i++) {
            while (j < i && samples.get(i).t() - samples.get(j + 1).t() >= secs) {
                j++;
            }
            double dt = samples.get(i).t() - samples.get(j).t();
            if (dt >= secs) {
                best = Math.max(best, (samples.get(i).started() - samples.get(j).started()) / dt);
            }
        }
        return best;
    }

    // ------------------------------------------------------------------------------------------ rate-limited job

    private void limited(String query, int rate, int minutes) throws Exception {
        long expected = count(query);
        ObjectNode body = jobBody("limited", query);
        body.putObject("rollout").put("max_per_minute", rate);
        System.out.printf(Locale.ROOT, "%s job 2: rollout.max_per_minute %,d, %s -> %,d devices; watching %d min%n",
                Load.now(), rate, query, expected, minutes);
        CpuMeter cpu = CpuMeter.start();
        PgCpu pg = PgCpu.start();
        long t0 = System.nanoTime();
        JsonNode job = create(body);
        String id = job.path("id").asString();
        Instant created = Instant.now();
        System.out.printf(Locale.ROOT, "  created %s in %.1f ms%n", id, (System.nanoTime() - t0) / 1e6);
        int pollMs = b.intOpt("poll-ms", 500);
        List<Sample> samples = new ArrayList<>();
        double end = minutes * 60.0 + 2;
        double nextPrint = 10;
        Sample targeted = null;
        while (true) {
            Sample s = sample(id, t0);
            samples.add(s);
            if (targeted == null && s.targetingDone()) {
                targeted = s;
                System.out.printf(Locale.ROOT, "  targeting done at %.1f s: %,d targeted (expected %,d)%n", s.t(),
                        s.targeted(), expected);
            }
            if (s.t() >= nextPrint) {
                System.out.printf(Locale.ROOT, "  t=%5.0f s  targeted %,9d  started %,7d  %s%n", s.t(), s.targeted(),
                        s.started(), s.counts());
                nextPrint += 10;
            }
            if (s.t() >= end) {
                break;
            }
            Thread.sleep(pollMs);
        }
        CpuMeter.Usage usage = cpu.stop();
        String pgUsage = pg.stop();
        System.out.printf(Locale.ROOT, "  per minute since create (limit %,d; progress samples, +/- one %d ms "
                + "sample):%n", rate, pollMs);
        double worst = 0;
        for (int m = 1; m <= minutes; m++) {
            long n = startedAt(samples, 60.0 * m) - startedAt(samples, 60.0 * (m - 1));
            double err = 100.0 * (n - rate) / rate;
            worst = Math.max(worst, Math.abs(err));
            System.out.printf(Locale.ROOT, "    minute %d: %,d started (%+.1f %%)%n", m, n, err);
            b.table.add(Bench.Row.text("job 2: minute " + m + " (limit " + rate + ")", String.format(Locale.ROOT,
                    "%,d started, error %+.1f %%", n, err), ""));
        }
        long maxWindow = maxInWindow(samples, 60);
        System.out.printf(Locale.ROOT, "    most started in any 60 s between samples: %,d (%+.1f %%)%n", maxWindow,
                100.0 * (maxWindow - rate) / rate);
        b.table.add(Bench.Row.text("job 2: most in any 60 s window (samples)", String.format(Locale.ROOT,
                "%,d (%+.1f %%)", maxWindow, 100.0 * (maxWindow - rate) / rate), usage + ", " + pgUsage));
        serverSideMinutes(id, created, rate, minutes);
        cancel(id, "job 2");
        b.printTable("Jobs: job 2 (rollout.max_per_minute " + rate + ")");
        b.table.clear();
    }

    /** Started executions at {@code t} seconds after create, interpolated between the samples around it. */
    private static long startedAt(List<Sample> samples, double t) {
        if (t <= 0) {
            return 0;
        }
        Sample prev = null;
        for (Sample s : samples) {
            if (s.t() >= t) {
                if (prev == null) {
                    return s.started();
                }
                double f = (t - prev.t()) / (s.t() - prev.t());
                return Math.round(prev.started() + f * (s.started() - prev.started()));
            }
            prev = s;
        }
        return samples.getLast().started();
    }

    private static long maxInWindow(List<Sample> samples, double secs) {
        long best = 0;
        int j = 0;
        for (Sample s : samples) {
            while (s.t() - samples.get(j).t() > secs) {
                j++;
            }
            best = Math.max(best, s.started() - samples.get(j).started());
        }
        return best;
    }

    /**
     * Per-minute counts from the executions' own start times, when the execution listing carries one
     * ({@code started_at}, else {@code updated_at}); exact where the sampled counts are +/- one sample.
     */
    private void serverSideMinutes(String id, Instant created, int rate, int minutes) throws Exception {
        TreeMap<Long, Long> perMinute = new TreeMap<>();
        String cursor = null;
        long seen = 0;
        String field = null;
        do {
            JsonNode page = get("/api/v1/jobs/" + id + "/executions?limit=1000"
                    + (cursor == null ? "" : "&cursor=" + FleetBench.enc(cursor)));
            for (JsonNode e : page.path("items")) {
                if (e.path("status").asString().equals("QUEUED")) {
                    continue;
                }
                if (field == null) {
                    field = e.has("started_at") ? "started_at" : e.has("updated_at") ? "updated_at" : "";
                }
                if (field.isEmpty() || !e.path(field).isString()) {
                    continue;
                }
                long ms = Instant.parse(e.path(field).asString()).toEpochMilli() - created.toEpochMilli();
                perMinute.merge(Math.floorDiv(ms, 60_000L), 1L, Long::sum);
                seen++;
            }
            cursor = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
        } while (cursor != null && seen < (long) rate * (minutes + 2));
        if (field == null || field.isEmpty()) {
            System.out.println("  (executions carry no start time; server-side per-minute counts skipped)");
            return;
        }
        System.out.printf(Locale.ROOT, "  per minute from the executions' %s (client clock at create as origin):%n",
                field);
        perMinute.forEach((m, n) -> System.out.printf(Locale.ROOT, "    minute %d: %,d (%+.1f %%)%n", m + 1, n,
                100.0 * (n - rate) / rate));
    }

    // ------------------------------------------------------------------------------------------ API

    private ObjectNode jobBody(String kind, String query) {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", "bench " + kind + " " + run);
        body.putObject("target").put("query", query);
        ObjectNode op = body.putObject("operation");
        op.put("type", "command");
        op.put("name", "bench");
        op.putObject("payload");
        return body;
    }

    private String firmware;

    private JsonNode create(ObjectNode body) throws Exception {
        if (b.opts.containsKey("ota")) {
            return campaign(body);
        }
        HttpResponse<String> res = send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        if (res.statusCode() == 404 || res.statusCode() == 405) {
            throw new IllegalStateException("the server has no jobs API (POST /api/v1/jobs: HTTP " + res.statusCode()
                    + ")");
        }
        return JSON.readTree(Load.expect(res, 201).body());
    }

    /**
     * The OTA campaign for a job body (its target and rollout rate) with a firmware made once per run; answers as
     * a job would: {@code id} is the campaign's job.
     */
    private JsonNode campaign(ObjectNode job) throws Exception {
        if (firmware == null) {
            HttpResponse<String> fw = send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/firmware"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"bench-os\",\"version\":\"" + run + "\"}")));
            firmware = JSON.readTree(Load.expect(fw, 201).body()).path("id").asString();
            Load.expect(send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/firmware/" + firmware
                    + "/artifacts/os.swu")).header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1024]))), 201);
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("firmware_id", firmware);
        body.set("target", job.path("target"));
        int rate = job.path("rollout").path("max_per_minute").asInt(0);
        if (rate > 0) {
            body.put("max_per_minute", rate);
        }
        HttpResponse<String> res = send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/ota/campaigns"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        JsonNode campaign = JSON.readTree(Load.expect(res, 201).body());
        return JSON.createObjectNode().put("id", campaign.path("job_id").asString())
                .put("status", campaign.path("status").asString());
    }

    private void cancel(String id, String what) throws Exception {
        boolean force = !"false".equals(b.opts.getOrDefault("cancel-force", "true"));
        long t0 = System.nanoTime();
        HttpResponse<String> res = send(HttpRequest.newBuilder(URI.create(b.url + "/api/v1/jobs/" + id + "/cancel"
                + (force ? "?force=true" : ""))).POST(HttpRequest.BodyPublishers.noBody()));
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf(Locale.ROOT, "%s canceled %s%s: HTTP %d in %.0f ms%n", Load.now(), what,
                force ? " (force)" : "", res.statusCode(), ms);
        // Wait (bounded) until nothing is queued or in progress, so the next phase starts on a quiet server.
        long deadline = System.nanoTime() + 600_000_000_000L;
        Sample s;
        do {
            Thread.sleep(1000);
            s = sample(id, t0);
        } while (s.queued() + s.counts().getOrDefault("IN_PROGRESS", 0L) > 0 && force
                && System.nanoTime() < deadline);
        System.out.printf(Locale.ROOT, "  %s after %.1f s: status %s, %s%n", what, s.t(), s.status(), s.counts());
    }

    private long count(String query) throws Exception {
        long t0 = System.nanoTime();
        long n = get("/api/v1/devices/count?query=" + FleetBench.enc(query)).path("count").asLong();
        System.out.printf(Locale.ROOT, "  count(%s) = %,d in %.0f ms%n", query, n, (System.nanoTime() - t0) / 1e6);
        return n;
    }

    private Sample sample(String id, long t0) throws Exception {
        JsonNode job = get("/api/v1/jobs/" + id);
        double t = (System.nanoTime() - t0) / 1e9;
        JsonNode p = job.path("progress");
        Map<String, Long> counts = new TreeMap<>();
        for (String state : STATES) {
            JsonNode v = find(p, state);
            if (v != null && v.isNumber()) {
                counts.put(state, v.asLong());
            }
        }
        return new Sample(t, job.path("status").asString(), p.path("targeted").asLong(),
                p.path("targeting_done").asBoolean(), counts);
    }

    /** A state's count in {@code progress}: as a field of its own (any case) or one level down (e.g. counts). */
    private static JsonNode find(JsonNode progress, String state) {
        for (var e : progress.properties()) {
            if (e.getKey().equalsIgnoreCase(state)) {
                return e.getValue();
            }
        }
        for (var e : progress.properties()) {
            if (e.getValue().isObject()) {
                for (var f : e.getValue().properties()) {
                    if (f.getKey().equalsIgnoreCase(state)) {
                        return f.getValue();
                    }
                }
            }
        }
        return null;
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(Load.expect(send(HttpRequest.newBuilder(URI.create(b.url + path)).GET()), 200).body());
    }

    private HttpResponse<String> send(HttpRequest.Builder req) throws Exception {
        return b.http.send(req.timeout(Duration.ofMinutes(5)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
