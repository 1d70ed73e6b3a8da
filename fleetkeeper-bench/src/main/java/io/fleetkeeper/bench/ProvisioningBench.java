package io.fleetkeeper.bench;

import io.fleetkeeper.bench.Bench.CpuMeter;
import io.fleetkeeper.bench.Bench.Result;
import io.fleetkeeper.bench.Bench.Row;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code provisioning} mode (issue 4): simulated devices on the device listener (TLS) registering with a
 * provisioning key, claiming with a claim token and bootstrapping zero-touch with a factory certificate.
 */
final class ProvisioningBench {

    static final String USAGE = """

            provisioning options (needs --platform-token):
              --device-url URL          device listener (default https://127.0.0.1:8443)
              --clients C               concurrent simulated devices (default 32)
              --duration S, --warmup S  measured / warm-up seconds of register and claim (default 20 / 5)
              --csrs N                  pre-generated key pairs + CSRs for claims and bootstraps (default 4000)
              --bootstrap-devices N     factory identities for the measured bootstrap run (default 10000);
                                        each serial bootstraps once, so the run ends when they are used up
              --bootstrap-warmup N      further identities used for the warm-up (default 2000)
              --skip-register, --skip-claim, --skip-bootstrap
              --server-pid PID          also report the server process's CPU use
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Bench b;
    private final PkiBench pki;

    ProvisioningBench(Bench bench) {
        this.b = bench;
        this.pki = new PkiBench(bench);
    }

    void run() throws Exception {
        CpuMeter.serverPid = b.longOpt("server-pid", 0);
        int clients = b.intOpt("clients", 32);
        int duration = b.intOpt("duration", 20);
        int warmup = b.intOpt("warmup", 5);
        String deviceUrl = Bench.stripSlash(b.opts.getOrDefault("device-url", "https://127.0.0.1:8443"));
        System.out.printf(Locale.ROOT, "Fleetkeeper provisioning benchmark against %s and %s (%d CPUs visible to the "
                + "client; load average %s)%n", b.url, deviceUrl, Runtime.getRuntime().availableProcessors(),
                Load.loadAverage());
        String token = b.createTenant(b.required("platform-token"));
        JsonNode root = pki.post(token, "/api/v1/pki/cas", "{\"name\":\"root\"}", 201);
        pki.post(token, "/api/v1/pki/cas", "{\"name\":\"issuing\",\"parent_id\":\"" + root.path("id").asString()
                + "\"}", 201);
        X509Certificate platformCa = pki.platformCa();
        // Server-authenticated TLS only (no client certificate): one client, keep-alive connections.
        HttpClient tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(Crypto.sslContext(platformCa, null, null)).connectTimeout(Duration.ofSeconds(10)).build();

        int poolSize = b.intOpt("csrs", 4000);
        long t0 = System.nanoTime();
        Crypto.Csr[] csrs = Crypto.csrPool(poolSize);
        System.out.printf(Locale.ROOT, "Generated %,d EC P-256 key pairs and CSRs in %.1f s (not measured)%n",
                poolSize, (System.nanoTime() - t0) / 1e9);

        if (!b.opts.containsKey("skip-register")) {
            register(token, tls, deviceUrl, clients, duration, warmup);
        }
        if (!b.opts.containsKey("skip-claim")) {
            claim(token, tls, deviceUrl, csrs, clients, duration, warmup);
        }
        if (!b.opts.containsKey("skip-bootstrap")) {
            bootstrap(token, platformCa, deviceUrl, csrs, clients, duration, warmup);
        }
        b.printTable(String.format(Locale.ROOT, "Results (%d simulated devices over TLS; latencies in ms)", clients));
    }

    private void add(String name, Result r, String loadAtStart) {
        b.table.add(new Row(name, r, null, r.cpu() + ", load " + loadAtStart));
    }

    private Result measure(String name, int clients, int duration, int warmup, Load.Op op) throws Exception {
        System.out.printf("%s: %d clients, %d s warm-up (not recorded)...%n", name, clients, warmup);
        Load.closedLoop(clients, warmup, op);
        System.out.printf("%s: %d clients, %d s %s...%n", name, clients, duration, Load.now());
        String load = Load.loadAverage();
        Result r = Load.closedLoop(clients, duration, op);
        System.out.println("  " + r + "; load average at start " + load + "; ended " + Load.now());
        add(name, r, load);
        return r;
    }

    // ------------------------------------------------------------------------------------------ register

    private void register(String token, HttpClient tls, String deviceUrl, int clients, int duration, int warmup)
            throws Exception {
        String key = pki.post(token, "/api/v1/provisioning-keys", "{\"label\":\"bench\"}", 201).path("key").asString();
        URI uri = URI.create(deviceUrl + "/device/v1/register");
        AtomicLong next = new AtomicLong();
        measure("register (X-Provisioning-Key)", clients, duration, warmup, c -> {
            long n = next.getAndIncrement();
            String body = "{\"name\":\"reg-" + n + "\",\"type\":\"meter\",\"location\":\"lab-" + (n % 10) + "\"}";
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("X-Provisioning-Key", key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            Load.expect(tls.send(req, HttpResponse.BodyHandlers.ofString()), 201);
            return true;
        });
    }

    // ------------------------------------------------------------------------------------------ claim

    private void claim(String token, HttpClient tls, String deviceUrl, Crypto.Csr[] csrs, int clients, int duration,
            int warmup) throws Exception {
        String claimToken = pki.post(token, "/api/v1/claim-tokens", "{\"label\":\"bench\",\"device_type\":\"meter\","
                + "\"max_uses\":1000000,\"expires_at\":\"" + Instant.now().plus(Duration.ofDays(1)) + "\"}", 201)
                .path("token").asString();
        String[] csrJson = new String[csrs.length];
        for (int i = 0; i < csrs.length; i++) {
            csrJson[i] = JSON.writeValueAsString(csrs[i].pem());
        }
        URI uri = URI.create(deviceUrl + "/device/v1/claim");
        AtomicLong next = new AtomicLong();
        measure("claim (X-Claim-Token + CSR)", clients, duration, warmup, c -> {
            long n = next.getAndIncrement();
            String body = "{\"csr\":" + csrJson[(int) (n % csrJson.length)] + ",\"name\":\"claim-" + n + "\"}";
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("X-Claim-Token", claimToken).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            Load.expect(tls.send(req, HttpResponse.BodyHandlers.ofString()), 201);
            return true;
        });
    }

    // ------------------------------------------------------------------------------------------ bootstrap

    /** A factory identity: serial, key and factory certificate. */
    private record Factory(String serial, KeyPair key, X509Certificate certificate) {
    }

    private void bootstrap(String token, X509Certificate platformCa, String deviceUrl, Crypto.Csr[] csrs,
            int clients, int duration, int warmup) throws Exception {
        int measured = b.intOpt("bootstrap-devices", 10_000);
        int warm = b.intOpt("bootstrap-warmup", 2_000);
        int total = measured + warm;
        Crypto.Ca factory = Crypto.selfSignedCa("Bench factory root " + Long.toString(System.nanoTime(), 36));
        pki.post(token, "/api/v1/pki/trust-anchors", "{\"name\":\"factory\",\"certificate_pem\":"
                + JSON.writeValueAsString(Crypto.pem(factory.certificate())) + "}", 201);
        long t0 = System.nanoTime();
        String prefix = "F" + Long.toString(System.currentTimeMillis() % 1_000_000, 36).toUpperCase(Locale.ROOT);
        Factory[] ids = IntStream.range(0, total).parallel().mapToObj(i -> {
            String serial = String.format(Locale.ROOT, "%s-%08d", prefix, i);
            KeyPair kp = Crypto.ecKey();
            return new Factory(serial, kp, Crypto.factoryCertificate(factory, kp.getPublic(), serial));
        }).toArray(Factory[]::new);
        System.out.printf(Locale.ROOT, "Generated %,d factory keys and certificates (CN = serial) in %.1f s "
                + "(not measured)%n", total, (System.nanoTime() - t0) / 1e9);
        StringBuilder csv = new StringBuilder("serial,device_type\n");
        for (Factory f : ids) {
            csv.append(f.serial()).append(",meter\n");
        }
        HttpResponse<String> up = b.http.send(HttpRequest.newBuilder(URI.create(b.url
                + "/api/v1/manifests/import?name=bench-" + prefix)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(csv.toString())).build(), HttpResponse.BodyHandlers.ofString());
        Load.expect(up, 201);
        System.out.printf(Locale.ROOT, "Uploaded a manifest of %,d serials%n", total);

        String[] csrJson = new String[csrs.length];
        for (int i = 0; i < csrs.length; i++) {
            csrJson[i] = JSON.writeValueAsString(csrs[i].pem());
        }
        URI u = URI.create(deviceUrl);
        InetSocketAddress addr = new InetSocketAddress(u.getHost(), u.getPort() > 0 ? u.getPort() : 443);
        Recorder handshakes = new Recorder(3);
        // Serials [0, warm) warm up; [warm, total) are measured.
        java.util.function.LongFunction<Load.Op> upTo = end -> {
          AtomicLong next = new AtomicLong(end == warm ? 0 : warm);
          return c -> {
            long n = next.getAndIncrement();
            if (n >= end) {
                return false;
            }
            Factory f = ids[(int) n];
            String body = "{\"serial\":\"" + f.serial() + "\",\"csr\":" + csrJson[(int) (n % csrJson.length)] + "}";
            // A real device: its own key, a fresh SSLContext (so no session to resume), a new connection.
            SSLContext ctx = Crypto.sslContext(platformCa, f.key().getPrivate(), new X509Certificate[] {f.certificate()});
            long s = System.nanoTime();
            try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket(addr.getHostString(),
                    addr.getPort())) {
                socket.setTcpNoDelay(true);
                SSLParameters p = socket.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(p);
                socket.startHandshake();
                handshakes.recordValue(System.nanoTime() - s);
                byte[] json = body.getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /device/v1/bootstrap HTTP/1.1\r\nHost: " + u.getHost() + ":" + addr.getPort()
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(json);
                out.flush();
                InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
                String status = Bench.readLine(in);
                Map<String, String> headers = new LinkedHashMap<>();
                for (String h; !(h = Bench.readLine(in)).isEmpty(); ) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
                String len = headers.get("content-length");
                byte[] resBody = len == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(len));
                if (!status.startsWith("HTTP/1.1 201")) {
                    String text = new String(resBody, StandardCharsets.UTF_8);
                    String code = status.length() > 12 ? status.substring(9, 12) : status;
                    throw new IllegalStateException(Load.problem(Integer.parseInt(code.trim()), text));
                }
            }
            return true;
          };
        };
        System.out.printf(Locale.ROOT, "bootstrap: %d clients, warm-up with up to %,d serials or %d s (not recorded)..."
                + "%n", clients, warm, warmup);
        Load.closedLoop(clients, warmup, upTo.apply(warm));
        handshakes.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "bootstrap: %d clients, up to %,d serials or %d s, a new TLS connection with a "
                + "full handshake per device %s...%n", clients, measured, duration, Load.now());
        String load = Load.loadAverage();
        Result r = Load.closedLoop(clients, duration, upTo.apply(total));
        Histogram h = handshakes.getIntervalHistogram();
        System.out.println("  " + r + "; load average at start " + load + "; ended " + Load.now());
        add("bootstrap (factory cert mTLS, new conn each)", r, load);
        b.table.add(Row.text("  of which TLS handshake (client-side)", String.format(Locale.ROOT,
                "p50 %.3f ms, p99 %.3f ms over %,d full handshakes (fresh SSLContext per device, no resumption)",
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getTotalCount()), "-"));
    }
}
