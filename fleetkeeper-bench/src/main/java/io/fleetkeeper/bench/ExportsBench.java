package io.fleetkeeper.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import tools.jackson.databind.JsonNode;

/**
 * {@code exports} mode: a devices export of the server (gzip CSV, all columns, into whatever blob store the server
 * runs, S3 or a directory) against the same tenant's rows read by PostgreSQL {@code COPY (…) TO STDOUT} and piped
 * through the {@code gzip} program, in the same run. The devices are written straight into the server's database
 * with {@code generate_series} (the import API would take hours for millions), into a tenant made for the run.
 * Figures: rows/s of each; the server's heap during the export (sampled, and live heap after a full GC every few
 * seconds when {@code --server-pid} is given) against its live heap before.
 */
final class ExportsBench {

    static final String USAGE = """

            exports options (needs --platform-token and --jdbc of the server's own PostgreSQL database):
              --devices N               devices generated in a new tenant (default 1000000)
              --jdbc URL                the server's database: devices are generated there; the COPY baseline
              --server-pid PID          server process: live heap (jcmd GC.run) and CPU during the export
              --gc-every S              seconds between live-heap readings (default 10; 0: none)
              --keep                    keep the tenant's generated rows afterwards (default: delete them)
            """;

    private static final int CHUNK = 500_000;

    private final Bench b;
    private final List<String[]> results = new ArrayList<>();

    ExportsBench(Bench bench) {
        this.b = bench;
    }

    void run() throws Exception {
        long n = b.longOpt("devices", 1_000_000);
        long pid = b.longOpt("server-pid", 0);
        String jdbc = b.required("jdbc");
        String platform = b.required("platform-token");
        System.out.printf(Locale.ROOT, "Exports benchmark against %s; %,d devices, %d CPUs, load average %s%n", b.url,
                n, Runtime.getRuntime().availableProcessors(), Load.loadAverage());
        Bench.NewTenant tenant = b.newTenant(platform);
        try (Connection c = DriverManager.getConnection(jdbc)) {
            generate(c, tenant.id(), n);
            copyBaseline(c, tenant.id(), n);
            export(tenant.token(), platform, n, pid);
            if (!b.opts.containsKey("keep")) {
                long t0 = System.nanoTime();
                try (PreparedStatement s = c.prepareStatement("DELETE FROM devices WHERE tenant_id = ?::uuid")) {
                    s.setString(1, tenant.id());
                    s.executeUpdate();
                }
                System.out.printf(Locale.ROOT, "deleted the generated devices in %.1f s%n", secs(t0));
            }
        }
        System.out.printf(Locale.ROOT, "%n| path | rows/s | detail |%n| --- | --- | --- |%n");
        for (String[] r : results) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", r[0], r[1], r[2]);
        }
        System.out.println("load average after: " + Load.loadAverage());
    }

    /**
     * {@code n} devices of the tenant in chunks, shaped as the import benchmark shapes them: 5 types, a serial, 2
     * tags, 4 metadata entries in the row's JSON, firmware and hardware revision. The metadata and tag index
     * tables are not filled: a devices export reads the rows only.
     */
    private void generate(Connection c, String tenantId, long n) throws Exception {
        long t0 = System.nanoTime();
        long now = System.currentTimeMillis();
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO devices (tenant_id, id, name, device_type, serial, status, firmware_version,
                  hardware_revision, tags, metadata, registered_at, last_seen_at, updated_at, version)
                SELECT ?::uuid, gen_random_uuid(), 'dev-' || i,
                  (ARRAY['thermostat','camera','gateway','meter','lock'])[1 + i % 5], 'D' || lpad(i::text, 10, '0'),
                  'ACTIVE', '1.' || (i % 20) || '.0', 'rev-' || (i % 4),
                  '["fleet-' || (i % 20) || '","' || (CASE WHEN i % 3 = 0 THEN 'staging' ELSE 'prod' END) || '"]',
                  json_build_object('region', 'eu-' || (i % 10), 'model', 'm-' || (i % 50), 'floor',
                    (i % 20)::text, 'batch', 'b-' || (i % 1000))::text,
                  ? - i, CASE WHEN i % 2 = 0 THEN ? - i % 86400000 END, ? - i, 1
                FROM generate_series(?::bigint, ?::bigint) i""")) {
            for (long first = 1; first <= n; first += CHUNK) {
                long last = Math.min(n, first + CHUNK - 1);
                s.setString(1, tenantId);
                s.setLong(2, now);
                s.setLong(3, now);
                s.setLong(4, now);
                s.setLong(5, first);
                s.setLong(6, last);
                s.executeUpdate();
                System.out.printf(Locale.ROOT, "  generated %,d devices (%.0f s)%n", last, secs(t0));
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("ANALYZE devices");
        }
        System.out.printf(Locale.ROOT, "generated %,d devices in %.1f s (%,.0f rows/s), analyzed%n", n, secs(t0),
                n / secs(t0));
    }

    /** {@code COPY (the tenant's device rows, in id order) TO STDOUT (FORMAT csv, HEADER)} piped into {@code gzip}. */
    private void copyBaseline(Connection c, String tenantId, long n) throws Exception {
        Process gzip = new ProcessBuilder("gzip", "-c").start();
        AtomicLong compressed = new AtomicLong();
        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> {
            try (InputStream in = gzip.getInputStream()) {
                byte[] buf = new byte[64 * 1024];
                for (int r; (r = in.read(buf)) > 0; ) {
                    compressed.addAndGet(r);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long t0 = System.nanoTime();
        long rows;
        try (OutputStream out = gzip.getOutputStream()) {
            rows = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT id, name, device_type, serial,"
                    + " status, identity_status, firmware_version, hardware_revision, site_id, tags, metadata,"
                    + " registered_at, last_seen_at, updated_at, version FROM devices WHERE tenant_id = '" + tenantId
                    + "' ORDER BY id) TO STDOUT (FORMAT csv, HEADER)", out);
        }
        drain.join();
        gzip.waitFor();
        double secs = secs(t0);
        if (rows != n) {
            throw new IllegalStateException("COPY wrote " + rows + " rows, expected " + n);
        }
        results.add(new String[] {"baseline: `COPY (…) TO STDOUT` piped through `gzip`", fmt(rows / secs),
                String.format(Locale.ROOT, "%,d rows in %.1f s, %s gzip; raw columns (epoch millis, JSON text)",
                        rows, secs, ProcFigures.mb(compressed.get() / 1024))});
        System.out.printf(Locale.ROOT, "COPY | gzip: %,d rows in %.1f s = %,.0f rows/s, %s%n", rows, secs,
                rows / secs, ProcFigures.mb(compressed.get() / 1024));
    }

    /** The server's export of the tenant's devices as gzip CSV, with heap readings while it runs. */
    private void export(String token, String platform, long n, long pid) throws Exception {
        int gcEvery = b.intOpt("gc-every", 10);
        if (pid > 0) {
            ProcFigures.fullGc(pid);
        }
        long heapBefore = ProcFigures.heapUsed(b.http, b.url, platform);
        double cpu0 = pid > 0 ? ProcFigures.cpuSeconds(pid) : -1;
        long t0 = System.nanoTime();
        JsonNode e = call("POST", "/api/v1/exports", token,
                "{\"kind\":\"devices\",\"format\":\"csv\",\"compression\":\"gzip\"}", 202);
        String id = e.path("id").asString();
        long sampledPeak = heapBefore;
        long livePeak = heapBefore;
        long lastGc = System.nanoTime();
        String status;
        do {
            Thread.sleep(500);
            long h = ProcFigures.heapUsed(b.http, b.url, platform);
            sampledPeak = Math.max(sampledPeak, h);
            if (pid > 0 && gcEvery > 0 && System.nanoTime() - lastGc > gcEvery * 1_000_000_000L) {
                ProcFigures.fullGc(pid);
                livePeak = Math.max(livePeak, ProcFigures.heapUsed(b.http, b.url, platform));
                lastGc = System.nanoTime();
            }
            e = call("GET", "/api/v1/exports/" + id, token, null, 200);
            status = e.path("status").asString();
        } while (status.equals("QUEUED") || status.equals("RUNNING"));
        double wall = secs(t0);
        double cpu = pid > 0 ? ProcFigures.cpuSeconds(pid) - cpu0 : -1;
        if (!status.equals("SUCCEEDED") || e.path("row_count").asLong() != n) {
            throw new IllegalStateException("export ended " + status + " with " + e.path("row_count") + " rows: "
                    + e.path("error"));
        }
        double ran = Duration.between(Instant.parse(e.path("created_at").asString()),
                Instant.parse(e.path("finished_at").asString())).toMillis() / 1000.0;
        results.add(new String[] {"server export (devices, gzip CSV, into its blob store)", fmt(n / ran),
                String.format(Locale.ROOT, "%,d rows in %.1f s (queued to succeeded; %.1f s seen by the client), %s;"
                        + " heap before %s, sampled peak %s, live peak %s (full GC every %d s); server CPU %s",
                        n, ran, wall, ProcFigures.mb(e.path("size").asLong() / 1024),
                        ProcFigures.mb(heapBefore / 1024), ProcFigures.mb(sampledPeak / 1024),
                        pid > 0 && gcEvery > 0 ? ProcFigures.mb(livePeak / 1024) : "not read", gcEvery,
                        cpu < 0 ? "not read" : String.format(Locale.ROOT, "%.0f s (%.2f cores)", cpu, cpu / ran))});
        System.out.printf(Locale.ROOT, "export: %,d rows in %.1f s = %,.0f rows/s; heap before %s, live peak %s%n",
                n, ran, n / ran, ProcFigures.mb(heapBefore / 1024), ProcFigures.mb(livePeak / 1024));
        call("DELETE", "/api/v1/exports/" + id, token, null, 204);
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

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }
}
