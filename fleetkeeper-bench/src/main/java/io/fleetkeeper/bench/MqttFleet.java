package io.fleetkeeper.bench;

import io.fleetkeeper.bench.Bench.IdSet;
import java.io.BufferedWriter;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The devices of the {@code mqtt} mode: a tenant with a root and an issuing CA, N imported devices and one
 * client certificate per device (EC P-256 key made here, CSR signed through the management API). Everything
 * is cached in a directory so later runs against the same server data skip the ~2 minutes of issuance:
 * {@code fleet.json} (URL and tenant token), {@code tenant-ca.pem} (the tenant CA chain) and
 * {@code devices.jsonl} (one {@code {id, cert_id, key_pem, cert_pem}} per line).
 */
final class MqttFleet {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One device: its id, the id of its current certificate, its key and its chain (leaf first). */
    record Device(UUID id, UUID certId, PrivateKey key, X509Certificate[] chain) {
    }

    final String token;
    final List<X509Certificate> tenantCa;
    final List<Device> devices;
    private final Bench b;
    private final Path dir;

    private MqttFleet(Bench b, Path dir, String token, List<X509Certificate> tenantCa, List<Device> devices) {
        this.b = b;
        this.dir = dir;
        this.token = token;
        this.tenantCa = tenantCa;
        this.devices = devices;
    }

    /** Loads {@code n} devices from the cache, creating the tenant or topping up devices as needed. */
    static MqttFleet load(Bench b, Path dir, int n) throws Exception {
        Files.createDirectories(dir);
        Path meta = dir.resolve("fleet.json");
        String token;
        List<Device> devices = new ArrayList<>();
        List<X509Certificate> ca = new ArrayList<>();
        if (Files.exists(meta)) {
            JsonNode m = JSON.readTree(Files.readString(meta));
            token = m.path("tenant_token").asString();
            if (!m.path("url").asString().equals(b.url)) {
                System.out.printf("NOTE: cache %s was made against %s, now %s%n", dir, m.path("url").asString(), b.url);
            }
            long t0 = System.nanoTime();
            devices.addAll(readDevices(dir.resolve("devices.jsonl")));
            ca.addAll(Crypto.certificates(Files.readString(dir.resolve("tenant-ca.pem"))));
            System.out.printf(Locale.ROOT, "Loaded %,d cached devices with keys and certificates from %s in %.1f s%n",
                    devices.size(), dir, (System.nanoTime() - t0) / 1e9);
        } else if (b.opts.containsKey("tenant-token")) {
            token = b.opts.get("tenant-token");
        } else {
            token = b.createTenant(b.required("platform-token"));
        }
        MqttFleet fleet = new MqttFleet(b, dir, token, ca, devices);
        if (!Files.exists(meta)) {
            fleet.createCas();
        }
        if (devices.size() < n) {
            fleet.topUp(n - devices.size());
        }
        if (devices.size() < n) {
            throw new IllegalStateException("only " + devices.size() + " devices with certificates in " + dir
                    + " (some imports failed?); run again to top up");
        }
        if (fleet.tenantCa.isEmpty()) {
            throw new IllegalStateException("no tenant CA chain in " + dir);
        }
        return new MqttFleet(b, dir, fleet.token, fleet.tenantCa, new ArrayList<>(devices.subList(0, n)));
    }

    private void createCas() throws Exception {
        JsonNode cas = get("/api/v1/pki/cas");
        boolean hasIssuing = false;
        for (JsonNode c : cas.path("items")) {
            hasIssuing |= !c.path("parent_id").isNull() && !c.path("parent_id").isMissingNode();
        }
        if (hasIssuing) {
            System.out.println("Tenant already has an issuing CA; using its default CA");
            return;
        }
        JsonNode root = post("/api/v1/pki/cas", "{\"name\":\"mqtt-bench-root\"}", 201);
        post("/api/v1/pki/cas", "{\"name\":\"mqtt-bench-issuing\",\"parent_id\":\"" + root.path("id").asString()
                + "\"}", 201);
        System.out.println("Created a root and an issuing CA (EC P-256)");
    }

    /** Imports {@code count} devices and issues one certificate each, 16 requests at a time; appends to the cache. */
    private void topUp(int count) throws Exception {
        IdSet ids = b.importDevices(token, devices.size(), count, 0);
        int clients = b.intOpt("issue-clients", 16);
        System.out.printf(Locale.ROOT, "Issuing %,d device certificates (EC P-256 keys made here), %d clients...%n",
                ids.size(), clients);
        Device[] issued = new Device[ids.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                pool.execute(() -> {
                    int i;
                    while (error.get() == null && (i = next.getAndIncrement()) < issued.length) {
                        try {
                            issued[i] = issue(ids.get(i));
                            int d = done.incrementAndGet();
                            if (d % 2000 == 0) {
                                double s = (System.nanoTime() - t0) / 1e9;
                                System.out.printf(Locale.ROOT, "  ... %,d issued in %.0f s (%,.0f/s)%n", d, s, d / s);
                            }
                        } catch (Throwable e) {
                            error.compareAndSet(null, e);
                        }
                    }
                });
            }
        }
        if (error.get() != null) {
            throw new IllegalStateException("issuance failed: " + error.get(), error.get());
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "Issued %,d certificates in %.1f s (%,.0f/s, not part of the MQTT figures)%n",
                issued.length, secs, issued.length / secs);
        if (tenantCa.isEmpty()) {
            X509Certificate[] chain = issued[0].chain();
            for (int k = 1; k < chain.length; k++) {
                tenantCa.add(chain[k]);
            }
            StringBuilder pem = new StringBuilder();
            tenantCa.forEach(c -> pem.append(Crypto.pem(c)));
            Files.writeString(dir.resolve("tenant-ca.pem"), pem);
        }
        devices.addAll(List.of(issued));
        saveMeta();
        writeDevices(dir.resolve("devices.jsonl"), devices);
    }

    private Device issue(UUID device) throws Exception {
        KeyPair kp = Crypto.ecKey();
        String body = "{\"csr\":" + JSON.writeValueAsString(Crypto.csr(kp, device.toString()).pem()) + "}";
        JsonNode r = post("/api/v1/devices/" + device + "/certificates", body, 201);
        X509Certificate[] chain = Crypto.certificates(r.path("chain_pem").asString()).toArray(X509Certificate[]::new);
        return new Device(device, UUID.fromString(r.path("certificate").path("id").asString()), kp.getPrivate(), chain);
    }

    /** Revokes the device's current certificate; returns when the server has answered. */
    void revoke(Device d) throws Exception {
        post("/api/v1/certificates/" + d.certId() + "/revoke", "{\"reason\":\"keyCompromise\"}", 200);
    }

    /** Gives the devices at {@code indexes} fresh certificates (after a revocation) and rewrites the cache. */
    void reissue(List<Integer> indexes) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
            for (int i : indexes) {
                fs.add(pool.submit(() -> {
                    devices.set(i, issue(devices.get(i).id()));
                    return null;
                }));
            }
            for (var f : fs) {
                f.get();
            }
        }
        List<Device> all = new ArrayList<>(readDevices(dir.resolve("devices.jsonl")));
        for (int i : indexes) {
            all.set(i, devices.get(i));
        }
        writeDevices(dir.resolve("devices.jsonl"), all);
    }

    private void saveMeta() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("url", b.url);
        m.put("tenant_token", token);
        Files.writeString(dir.resolve("fleet.json"), JSON.writeValueAsString(m));
    }

    private static void writeDevices(Path file, List<Device> devices) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Device d : devices) {
                StringBuilder chain = new StringBuilder();
                for (X509Certificate c : d.chain()) {
                    chain.append(Crypto.pem(c));
                }
                Map<String, String> row = new LinkedHashMap<>();
                row.put("id", d.id().toString());
                row.put("cert_id", d.certId().toString());
                row.put("key_pem", Crypto.pkcs8Pem(d.key()));
                row.put("cert_pem", chain.toString());
                w.write(JSON.writeValueAsString(row));
                w.write('\n');
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static List<Device> readDevices(Path file) throws Exception {
        KeyFactory ec = KeyFactory.getInstance("EC");
        List<String> lines = Files.readAllLines(file);
        return lines.parallelStream().filter(l -> !l.isBlank()).map(l -> {
            try {
                JsonNode row = JSON.readTree(new StringReader(l));
                String pem = row.path("key_pem").asString().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                PrivateKey key = ec.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
                return new Device(UUID.fromString(row.path("id").asString()),
                        UUID.fromString(row.path("cert_id").asString()), key,
                        Crypto.certificates(row.path("cert_pem").asString()).toArray(X509Certificate[]::new));
            } catch (Exception e) {
                throw new IllegalStateException("bad cache line in " + file + ": " + e, e);
            }
        }).toList();
    }

    private JsonNode get(String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(b.url + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).GET().build();
        HttpResponse<String> res = b.http.send(req, HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(Load.expect(res, 200).body());
    }

    private JsonNode post(String path, String json, int status) throws Exception {
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
