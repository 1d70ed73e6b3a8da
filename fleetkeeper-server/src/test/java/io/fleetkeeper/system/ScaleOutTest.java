package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.testing.Csrs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two server processes on one PostgreSQL database (a schema of their own) and the real Redis: what one
 * node revokes, the other refuses within a second, although it had the credential cached. Skipped, with a
 * message, without PostgreSQL at 127.0.0.1:5432 or Redis at 127.0.0.1:6379.
 */
class ScaleOutTest {

    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String SCHEMA = "fk_scaleout_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private static final String SECRET = "scale-out-internal-secret-0123456789";
    private static final long PROPAGATION_MS = 1000;

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Path dirs;
    private static ServerProcess a;
    private static ServerProcess b;

    @BeforeAll
    static void twoNodes() throws Exception {
        assumeThat(listening(6379)).as("Redis at 127.0.0.1:6379 (needed by the scale-out test)").isTrue();
        try (Connection c = DriverManager.getConnection(PG, "postgres", "")) {
            c.createStatement().execute("CREATE SCHEMA " + SCHEMA);
        } catch (SQLException e) {
            assumeThat(false).as("PostgreSQL at " + PG + " (needed by the scale-out test): " + e.getMessage())
                    .isTrue();
        }
        byte[] masterKey = new byte[32];
        ThreadLocalRandom.current().nextBytes(masterKey);
        String[] args = {"--fleetkeeper.db.url=" + PG + "?currentSchema=" + SCHEMA, "--fleetkeeper.db.username=postgres",
                "--fleetkeeper.pki.master-key=" + Base64.getEncoder().encodeToString(masterKey),
                "--fleetkeeper.redis.url=redis://127.0.0.1:6379", "--fleetkeeper.redis.channel-prefix=" + SCHEMA,
                "--fleetkeeper.mqtt.internal-auth-secret=" + SECRET, "--fleetkeeper.device-api.port=-1",
                "--logging.level.io.fleetkeeper.connectivity=INFO"};
        dirs = Files.createTempDirectory("fleetkeeper-scaleout");
        a = new ServerProcess(Files.createDirectory(dirs.resolve("a"))).start(args);
        b = new ServerProcess(Files.createDirectory(dirs.resolve("b"))).start(args);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServerProcess node : new ServerProcess[] {a, b}) {
            if (node != null) {
                node.stop();
                assertThat(Files.readString(node.log())).as("node log").contains("cluster bus: connected to Redis")
                        .doesNotContain(" ERROR ");
            }
        }
        try (Connection c = DriverManager.getConnection(PG, "postgres", "")) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        } catch (SQLException ignored) {
            // nothing was created
        }
    }

    @Test
    void aTokenRevokedOnOneNodeIsRefusedByTheOtherWithinASecond() throws Exception {
        String admin = tenant().path("admin_token").path("token").asString();
        JsonNode issued = call(a, "POST", "/api/v1/tokens", admin, Map.of("name", "spare", "role", "viewer"));
        String spare = issued.path("token").asString();
        assertThat(status(b, "GET", "/api/v1/devices", spare, null)).as("cached on B").isEqualTo(200);
        call(a, "POST", "/api/v1/tokens/" + issued.path("id").asString() + "/revoke", admin, null);
        assertThat(millisUntil(() -> status(b, "GET", "/api/v1/devices", spare, null) == 401))
                .isLessThan(PROPAGATION_MS);
    }

    @Test
    void aDeviceSuspendedOnOneNodeIsRefusedByTheOthersBrokerHookWithinASecond() throws Exception {
        String admin = tenant().path("admin_token").path("token").asString();
        String id = call(a, "POST", "/api/v1/devices", admin, Map.of("name", "d", "device_type", "sensor"))
                .path("id").asString();
        String key = call(a, "POST", "/api/v1/devices/" + id + "/device-key/rotate", admin, null)
                .path("device_key").asString();
        assertThat(mqttAuth(b, id, key, null)).isEqualTo("allow");
        assertThat(mqttAuth(b, id, key, null)).as("now from B's cache").isEqualTo("allow");
        call(a, "POST", "/api/v1/devices/" + id + "/suspend", admin, null);
        assertThat(millisUntil(() -> mqttAuth(b, id, key, null).equals("deny"))).isLessThan(PROPAGATION_MS);

        call(a, "POST", "/api/v1/devices/" + id + "/resume", admin, null);
        assertThat(mqttAuth(b, id, key, null)).isEqualTo("allow");
        String next = call(a, "POST", "/api/v1/devices/" + id + "/device-key/rotate", admin, null)
                .path("device_key").asString();
        assertThat(millisUntil(() -> mqttAuth(b, id, key, null).equals("deny")))
                .as("the replaced key, cached by B's device-key cache too").isLessThan(PROPAGATION_MS);
        assertThat(mqttAuth(b, id, next, null)).isEqualTo("allow");
    }

    @Test
    void aCaCreatedOnOneNodeIsTrustedByTheOtherAtOnce() throws Exception {
        // B builds its CA index now (any certificate presented does), so only an invalidation updates it.
        assertThat(mqttAuth(b, UUID.randomUUID().toString(), null, selfSigned())).isEqualTo("deny");
        String admin = tenant().path("admin_token").path("token").asString();
        String root = call(a, "POST", "/api/v1/pki/cas", admin, Map.of("name", "root")).path("id").asString();
        call(a, "POST", "/api/v1/pki/cas", admin, Map.of("name", "issuing", "parent_id", root));
        String id = call(a, "POST", "/api/v1/devices", admin, Map.of("name", "d", "device_type", "sensor"))
                .path("id").asString();
        String pem = call(a, "POST", "/api/v1/devices/" + id + "/certificates", admin,
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).path("certificate_pem").asString();
        assertThat(millisUntil(() -> mqttAuth(b, id, null, pem).equals("allow"))).isLessThan(PROPAGATION_MS);
    }

    // --- helpers ---

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static JsonNode tenant() throws Exception {
        return call(a, "POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                Map.of("name", "scale-" + UUID.randomUUID()));
    }

    private static String selfSigned() throws Exception {
        String otherAdmin = tenant().path("admin_token").path("token").asString();
        JsonNode ca = call(a, "POST", "/api/v1/pki/cas", otherAdmin, Map.of("name", "unrelated"));
        return ca.path("certificate_pem").asString();
    }

    private static String mqttAuth(ServerProcess node, String clientId, String key, String certPem) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientid", clientId);
        body.put("username", key == null ? "" : clientId);
        body.put("password", key == null ? "" : key);
        body.put("cert_pem", certPem == null ? "" : certPem);
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.base()
                    + "/api/v1/internal/mqtt-auth")).header("X-Internal-Auth", SECRET)
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return JSON.readTree(r.body()).path("result").asString();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode call(ServerProcess node, String method, String path, String token, Object body)
            throws Exception {
        HttpResponse<String> r = send(node, method, path, token, body);
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isBetween(200, 299);
        return JSON.readTree(r.body());
    }

    private static int status(ServerProcess node, String method, String path, String token, Object body) {
        try {
            return send(node, method, path, token, body).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> send(ServerProcess node, String method, String path, String token,
            Object body) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(node.base() + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? BodyPublishers.noBody()
                        : BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** How long until {@code condition} holds, polling; fails after 10 s. */
    private static long millisUntil(Supplier<Boolean> condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.get()) {
            if (System.nanoTime() - start > 10_000_000_000L) {
                throw new AssertionError("not within 10 s");
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }
}
