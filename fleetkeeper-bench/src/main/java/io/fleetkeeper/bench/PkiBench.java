package io.fleetkeeper.bench;

import io.fleetkeeper.bench.Bench.CpuMeter;
import io.fleetkeeper.bench.Bench.IdSet;
import io.fleetkeeper.bench.Bench.Result;
import io.fleetkeeper.bench.Bench.Row;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code pki} mode (issue 3): device certificates issued per second end to end, through the management API
 * and through EST {@code simplereenroll} over mutual TLS, against the signing-only rate of the same key type
 * in this process.
 */
final class PkiBench {

    static final String USAGE = """

            pki options (certificate issuance; needs --platform-token):
              --device-url URL          device listener (default https://127.0.0.1:8443)
              --clients C               concurrent clients (default 16)
              --devices N               devices imported for management-API issuance (default 5000)
              --est-devices-per-client K  devices (and kept-alive TLS connections) per EST client (default 4)
              --csrs N                  pre-generated key pairs + CSRs, cycled through (default 4000)
              --duration S, --warmup S  measured / warm-up seconds per case (default 20 / 5)
              --baseline-threads T      threads of the in-process signing baseline (default 2)
              --skip-api, --skip-est, --skip-baseline
              --server-pid PID          also report the server process's CPU use
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Bench b;

    PkiBench(Bench bench) {
        this.b = bench;
    }

    void run() throws Exception {
        CpuMeter.serverPid = b.longOpt("server-pid", 0);
        int clients = b.intOpt("clients", 16);
        int duration = b.intOpt("duration", 20);
        int warmup = b.intOpt("warmup", 5);
        String deviceUrl = Bench.stripSlash(b.opts.getOrDefault("device-url", "https://127.0.0.1:8443"));
        System.out.printf(Locale.ROOT, "Fleetkeeper PKI benchmark against %s and %s (%d CPUs visible to the client; "
                + "load average %s)%n", b.url, deviceUrl, Runtime.getRuntime().availableProcessors(),
                Load.loadAverage());
        String token = b.createTenant(b.required("platform-token"));
        JsonNode root = post(token, "/api/v1/pki/cas", "{\"name\":\"root\"}", 201);
        JsonNode issuing = post(token, "/api/v1/pki/cas", "{\"name\":\"issuing\",\"parent_id\":\""
                + root.path("id").asString() + "\"}", 201);
        System.out.printf("Created root and issuing CA (%s)%n", issuing.path("key_algorithm").asString());
        IdSet ids = b.importDevices(token, b.longOpt("devices", 5000), 0);

        int poolSize = b.intOpt("csrs", 4000);
        long t0 = System.nanoTime();
        Crypto.Csr[] csrs = Crypto.csrPool(poolSize);
        System.out.printf(Locale.ROOT, "Generated %,d EC P-256 key pairs and CSRs in %.1f s (not measured)%n",
                poolSize, (System.nanoTime() - t0) / 1e9);

        Result baseline = null;
        if (!b.opts.containsKey("skip-baseline")) {
            baseline = baseline(csrs, b.intOpt("baseline-threads", 2), Math.min(duration, 10), warmup);
        }
        if (!b.opts.containsKey("skip-api")) {
            Result api = managementApi(token, ids, csrs, clients, duration, warmup);
            ratio(api, baseline);
        }
        if (!b.opts.containsKey("skip-est")) {
            Result est = est(token, ids, csrs, clients, deviceUrl, duration, warmup);
            ratio(est, baseline);
        }
        b.printTable(String.format(Locale.ROOT, "Results (EC P-256 issuing CA; %d clients; latencies in ms)",
                clients));
    }

    // ------------------------------------------------------------------------------------------ baseline

    /** Signing only, in this process: build and sign the server's leaf profile with an EC P-256 CA key. */
    private Result baseline(Crypto.Csr[] csrs, int threads, int seconds, int warmup) throws Exception {
        Crypto.Ca ca = Crypto.selfSignedCa("bench issuing");
        PublicKey[] keys = new PublicKey[csrs.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = csrs[i].key().getPublic();
        }
        AtomicLong next = new AtomicLong();
        Load.Op sign = c -> {
            Crypto.deviceLeaf(ca, keys[(int) (next.getAndIncrement() % keys.length)]);
            return true;
        };
        Load.Op verifyAndSign = c -> {
            Crypto.Csr csr = csrs[(int) (next.getAndIncrement() % csrs.length)];
            Crypto.deviceLeaf(ca, Crypto.verifiedCsrKey(csr.der()));
            return true;
        };
        System.out.printf("Baseline: signing only in the bench process, %d threads, %d s after %d s warm-up...%n",
                threads, seconds, warmup);
        Load.closedLoop(threads, warmup, sign);
        String load = Load.loadAverage();
        Result r = Load.closedLoop(threads, seconds, sign);
        System.out.println("  " + r);
        add("baseline: sign leaf in-process (" + threads + " thr)", r, load);
        System.out.printf("Baseline: CSR signature check + signing, %d threads, %d s after %d s warm-up...%n", threads,
                seconds, Math.min(warmup, 3));
        Load.closedLoop(threads, Math.min(warmup, 3), verifyAndSign);
        load = Load.loadAverage();
        Result r2 = Load.closedLoop(threads, seconds, verifyAndSign);
        System.out.println("  " + r2);
        add("baseline: verify CSR + sign (" + threads + " thr)", r2, load);
        return r;
    }

    private void ratio(Result endToEnd, Result baseline) {
        if (baseline == null) {
            return;
        }
        double e2e = endToEnd.requests() / endToEnd.seconds();
        double sign = baseline.requests() / baseline.seconds();
        b.table.add(Row.text("  ratio end-to-end / signing-only", String.format(Locale.ROOT, "%.1f %%  (%,.0f / %,.0f"
                + " per s)", 100 * e2e / sign, e2e, sign), "-"));
    }

    private void add(String name, Result r, String loadAtStart) {
        b.table.add(new Row(name, r, null, r.cpu() + ", load " + loadAtStart));
    }

    // ------------------------------------------------------------------------------------------ management API

    private Result managementApi(String token, IdSet ids, Crypto.Csr[] csrs, int clients, int duration,
            int warmup) throws Exception {
        String[] bodies = new String[csrs.length];
        for (int i = 0; i < csrs.length; i++) {
            bodies[i] = "{\"csr\":" + JSON.writeValueAsString(csrs[i].pem()) + "}";
        }
        AtomicLong next = new AtomicLong();
        Load.Op op = c -> {
            long n = next.getAndIncrement();
            UUID device = ids.get((int) (n % ids.size()));
            HttpRequest req = HttpRequest.newBuilder(URI.create(b.url + "/api/v1/devices/" + device + "/certificates"))
                    .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(bodies[(int) (n % bodies.length)])).build();
            Load.expect(b.http.send(req, HttpResponse.BodyHandlers.ofString()), 201);
            return true;
        };
        System.out.printf("Management API POST /devices/{id}/certificates: %d clients, %d s warm-up (not recorded)..."
                + "%n", clients, warmup);
        Load.closedLoop(clients, warmup, op);
        System.out.printf("Management API POST /devices/{id}/certificates: %d clients, %d s %s...%n", clients, duration,
                Load.now());
        String load = Load.loadAverage();
        Result r = Load.closedLoop(clients, duration, op);
        System.out.println("  " + r + "; load average at start " + load + "; ended " + Load.now());
        add("API POST /devices/{id}/certificates", r, load);
        return r;
    }

    // ------------------------------------------------------------------------------------------ EST

    private Result est(String token, IdSet ids, Crypto.Csr[] csrs, int clients, String deviceUrl, int duration,
            int warmup) throws Exception {
        int perClient = b.intOpt("est-devices-per-client", 4);
        int n = clients * perClient;
        if (n > ids.size()) {
            throw new IllegalArgumentException("need at least " + n + " devices for EST");
        }
        X509Certificate platformCa = platformCa();
        // Each EST device gets a first certificate through the management API (its own key), then one
        // HttpClient whose SSLContext presents that certificate: one kept-alive TLS connection per device.
        HttpClient[] devices = new HttpClient[n];
        for (int i = 0; i < n; i++) {
            UUID id = ids.get(ids.size() - 1 - i);
            KeyPair kp = Crypto.ecKey();
            JsonNode issued = post(token, "/api/v1/devices/" + id + "/certificates",
                    "{\"csr\":" + JSON.writeValueAsString(Crypto.csr(kp, "est-" + i).pem()) + "}", 201);
            X509Certificate[] chain = Crypto.certificates(issued.path("chain_pem").asString())
                    .toArray(X509Certificate[]::new);
            devices[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(Crypto.sslContext(platformCa, kp.getPrivate(), chain))
                    .connectTimeout(Duration.ofSeconds(10)).build();
        }
        System.out.printf("Enrolled %d EST devices (%d per client) through the management API%n", n, perClient);
        URI uri = URI.create(deviceUrl + "/.well-known/est/simplereenroll");
        AtomicLong next = new AtomicLong();
        long[] perClientCount = new long[clients];
        Load.Op op = c -> {
            long k = next.getAndIncrement();
            HttpClient device = devices[c * perClient + (int) (perClientCount[c]++ % perClient)];
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/pkcs10")
                    .POST(HttpRequest.BodyPublishers.ofString(csrs[(int) (k % csrs.length)].base64())).build();
            HttpResponse<String> res = Load.expect(device.send(req, HttpResponse.BodyHandlers.ofString()), 200);
            if (k == 0) {
                List<X509Certificate> certs = Crypto.estCertificates(res.body());
                System.out.println("  first EST response: " + certs.size() + " certificate(s), subject "
                        + certs.get(0).getSubjectX500Principal().getName() + ", content type "
                        + res.headers().firstValue("content-type").orElse("?"));
            }
            return true;
        };
        System.out.printf("EST simplereenroll over mutual TLS: %d clients, %d s warm-up (not recorded)...%n", clients,
                warmup);
        Load.closedLoop(clients, warmup, op);
        System.out.printf("EST simplereenroll over mutual TLS: %d clients, %d s %s...%n", clients, duration,
                Load.now());
        String load = Load.loadAverage();
        Result r = Load.closedLoop(clients, duration, op);
        System.out.println("  " + r + "; load average at start " + load + "; ended " + Load.now());
        add("EST simplereenroll (mTLS, keep-alive)", r, load);
        return r;
    }

    X509Certificate platformCa() throws Exception {
        HttpResponse<String> res = b.http.send(HttpRequest.newBuilder(URI.create(b.url + "/pki/v1/platform/ca.pem"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return Crypto.certificates(Load.expect(res, 200).body()).get(0);
    }

    JsonNode post(String token, String path, String json, int status) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(b.url + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        HttpResponse<String> res = b.http.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != status) {
            throw new IllegalStateException("POST " + path + ": HTTP " + res.statusCode() + " " + res.body());
        }
        return JSON.readTree(res.body());
    }
}
