package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Csrs;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A SIGKILL in the middle of parallel claims never leaves a device without its certificate. */
class ProvisioningCrashTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    @Test
    void killDuringClaimsLeavesNoDeviceWithoutACertificate() throws Exception {
        int devicePort;
        try (ServerSocket s = new ServerSocket(0)) {
            devicePort = s.getLocalPort();
        }
        String admin;
        String token;
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<String> csrs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            csrs.add(Csrs.csrPem(Csrs.p256()));
        }
        try (ServerProcess server = new ServerProcess(dataDir).start("--fleetkeeper.device-api.port=" + devicePort)) {
            admin = tenantWithCa(server, "crash-claims");
            token = claimToken(server, admin, 1000);
            HttpClient tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(trusting(server.base())).build();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            for (String csr : csrs) {
                pool.submit(() -> {
                    try {
                        HttpResponse<String> r = claimRequest(tls, devicePort, token, csr);
                        if (r.statusCode() == 201) {
                            acknowledged.add(json.readTree(r.body()).path("device_id").asString());
                        }
                    } catch (Exception cutOff) {
                        // the server dies under us
                    }
                    return null;
                });
            }
            try {
                Await.until(Duration.ofSeconds(60), "20 acknowledged claims", () -> acknowledged.size() >= 20);
            } finally {
                server.kill();
                pool.shutdownNow();
                pool.awaitTermination(30, TimeUnit.SECONDS);
            }
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(20);
        try (ServerProcess again = new ServerProcess(dataDir).start("--fleetkeeper.device-api.port=" + devicePort)) {
            JsonNode page = call(again.base(), "GET", "/api/v1/devices?limit=1000", admin, null);
            List<JsonNode> devices = new ArrayList<>();
            page.path("items").forEach(devices::add);
            assertThat(devices.size()).as("the kill interrupted the claims").isLessThan(csrs.size());
            assertThat(devices).extracting(d -> d.path("id").asString()).containsAll(acknowledged);
            for (JsonNode d : devices) {
                assertThat(d.path("identity_status").asString()).as("device " + d.path("id")).isEqualTo("ACTIVE");
                JsonNode certs = call(again.base(), "GET", "/api/v1/devices/" + d.path("id").asString()
                        + "/certificates", admin, null).path("items");
                assertThat(certs.size()).isEqualTo(1);
            }
            JsonNode tok = call(again.base(), "GET", "/api/v1/claim-tokens", admin, null).path("items").get(0);
            assertThat(tok.path("uses_count").asInt()).as("uses match devices").isEqualTo(devices.size());
            assertThat(call(again.base(), "GET", "/api/v1/stats/devices", admin, null).path("total").asInt())
                    .isEqualTo(devices.size());
        }
    }

    @Test
    void tenUsesStayTenUsesAcrossARestart() throws Exception {
        int devicePort;
        try (ServerSocket s = new ServerSocket(0)) {
            devicePort = s.getLocalPort();
        }
        String admin;
        String token;
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ServerProcess server = new ServerProcess(dataDir).start("--fleetkeeper.device-api.port=" + devicePort)) {
            admin = tenantWithCa(server, "ten-uses");
            token = claimToken(server, admin, 10);
            HttpClient tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(trusting(server.base())).build();
            ExecutorService pool = Executors.newFixedThreadPool(50);
            for (int i = 0; i < 50; i++) {
                String csr = Csrs.csrPem(Csrs.p256());
                pool.submit(() -> statuses.add(claim(tls, devicePort, token, csr)));
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            server.stop();
        }
        assertThat(statuses.stream().filter(s -> s == 201)).hasSize(10);
        try (ServerProcess again = new ServerProcess(dataDir).start("--fleetkeeper.device-api.port=" + devicePort)) {
            assertThat(call(again.base(), "GET", "/api/v1/stats/devices", admin, null).path("by_identity_status")
                    .path("ACTIVE").asInt()).isEqualTo(10);
            assertThat(call(again.base(), "GET", "/api/v1/claim-tokens", admin, null)
                    .path("items").get(0).path("uses_count")
                    .asInt()).isEqualTo(10);
            HttpClient tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(trusting(again.base())).build();
            assertThat(claim(tls, devicePort, token, Csrs.csrPem(Csrs.p256()))).isIn(401, 429);
            assertThat(call(again.base(), "GET", "/api/v1/stats/devices", admin, null).path("total").asInt())
                    .isEqualTo(10);
        }
    }

    private int claim(HttpClient tls, int devicePort, String token, String csr) throws Exception {
        return claimRequest(tls, devicePort, token, csr).statusCode();
    }

    private HttpResponse<String> claimRequest(HttpClient tls, int devicePort, String token, String csr)
            throws Exception {
        return tls.send(HttpRequest.newBuilder(URI.create("https://localhost:" + devicePort + "/device/v1/claim"))
                .header("X-Claim-Token", token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(java.util.Map.of("csr", csr))))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A new tenant with a root and an issuing CA; returns its admin token. */
    private String tenantWithCa(ServerProcess server, String name) throws Exception {
        String admin = call(server.base(), "POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                "{\"name\":\"" + name + "\"}").path("admin_token").path("token").asString();
        String root = call(server.base(), "POST", "/api/v1/pki/cas", admin, "{\"name\":\"root\"}").path("id")
                .asString();
        call(server.base(), "POST", "/api/v1/pki/cas", admin, "{\"name\":\"issuing\",\"parent_id\":\"" + root
                + "\"}");
        return admin;
    }

    private String claimToken(ServerProcess server, String admin, int maxUses) throws Exception {
        return call(server.base(), "POST", "/api/v1/claim-tokens", admin, "{\"label\":\"t\",\"device_type\":"
                + "\"meter\",\"max_uses\":" + maxUses + ",\"expires_at\":\"" + Instant.now().plus(1,
                ChronoUnit.DAYS) + "\"}").path("token").asString();
    }

    private SSLContext trusting(String base) throws Exception {
        String pem = http.send(HttpRequest.newBuilder(URI.create(base + "/pki/v1/platform/ca.pem")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("platform", CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private JsonNode call(String base, String method, String path, String token, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return json.readTree(r.body());
    }
}
