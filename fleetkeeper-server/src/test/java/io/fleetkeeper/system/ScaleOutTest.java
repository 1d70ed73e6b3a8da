package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Browser;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.TestPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two server processes on one PostgreSQL database (a schema of their own) and the real Redis: what one
 * node revokes, the other refuses within a second, although it had the credential cached, and closes the
 * device's MQTT session if it holds one; a device connecting to one node takes its session over from the
 * other. Skipped, with a message, without PostgreSQL ({@link TestPostgres}) or Redis at 127.0.0.1:6379.
 */
class ScaleOutTest {

    private static final String SCHEMA = "fk_scaleout_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private static final String SECRET = "scale-out-internal-secret-0123456789";
    private static final long PROPAGATION_MS = 1000;

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Path dirs;
    private static ServerProcess a;
    private static ServerProcess b;
    private static int mqttA;
    private static int mqttB;
    private static String platformCa;

    @BeforeAll
    static void twoNodes() throws Exception {
        if (!listening(6379)) {
            skip("no Redis at 127.0.0.1:6379");
        }
        try (Connection c = TestPostgres.connect()) {
            c.createStatement().execute("CREATE SCHEMA " + SCHEMA);
        } catch (SQLException e) {
            skip("no PostgreSQL at " + TestPostgres.URL + " (" + e.getMessage() + ")");
        }
        byte[] masterKey = new byte[32];
        ThreadLocalRandom.current().nextBytes(masterKey);
        String[] args = {"--fleetkeeper.db.url=" + TestPostgres.url(SCHEMA),
                "--fleetkeeper.db.username=" + TestPostgres.USER,
                "--fleetkeeper.pki.master-key=" + Base64.getEncoder().encodeToString(masterKey),
                "--fleetkeeper.redis.url=redis://127.0.0.1:6379", "--fleetkeeper.redis.channel-prefix=" + SCHEMA,
                "--fleetkeeper.mqtt.internal-auth-secret=" + SECRET, "--fleetkeeper.device-api.port=-1",
                "--logging.level.io.fleetkeeper.connectivity=INFO", "--logging.level.io.fleetkeeper.cluster=INFO"};
        dirs = Files.createTempDirectory("fleetkeeper-scaleout");
        mqttA = freePort();
        mqttB = freePort();
        a = new ServerProcess(Files.createDirectory(dirs.resolve("a"))).start(with(args, "--fleetkeeper.mqtt.port=" + mqttA));
        b = new ServerProcess(Files.createDirectory(dirs.resolve("b"))).start(with(args, "--fleetkeeper.mqtt.port=" + mqttB));
        platformCa = HTTP.send(HttpRequest.newBuilder(URI.create(a.base() + "/pki/v1/platform/ca.pem")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
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
        try (Connection c = TestPostgres.connect()) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        } catch (SQLException ignored) {
            // nothing was created
        }
    }

    @Test
    void aConsoleSessionOpenedOnOneNodeIsSignedInOnTheOtherAndSigningOutThereEndsItEverywhere() throws Exception {
        String admin = tenant().path("admin_token").path("token").asString();
        call(a, "POST", "/api/v1/devices", admin, Map.of("name", "console-pump", "device_type", "sensor"));
        try (Browser browser = Browser.start()) {
            WebDriver web = browser.driver();
            web.get(a.base() + "/app/sign-in");
            web.findElement(By.id("token")).sendKeys(admin);
            web.findElement(By.id("sign-in")).click();
            Await.until(Duration.ofSeconds(15), "signed in on A", () -> web.getCurrentUrl().endsWith("/app"));
            String cookie = web.manage().getCookieNamed("fk_console").getValue();
            try (Connection c = TestPostgres.connect(); var rs = c.createStatement().executeQuery(
                    "SELECT id_hash, token_sealed FROM " + SCHEMA + ".console_sessions")) {
                assertThat(rs.next()).as("the session is kept in the database").isTrue();
                assertThat(rs.getString("id_hash")).isNotEqualTo(cookie);
                assertThat(rs.getString("token_sealed")).doesNotContain(admin).doesNotContain(admin.substring(3));
            }

            web.get(b.base() + "/app/devices");
            assertThat(web.getCurrentUrl()).as("the same cookie is a session on B").endsWith("/app/devices");
            assertThat(web.findElement(By.id("devices")).getText()).contains("console-pump");

            web.findElement(By.cssSelector("header form button")).click();
            Await.until(Duration.ofSeconds(15), "signed out on B", () -> web.getCurrentUrl().endsWith("/app/sign-in"));
            HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(URI.create(a.base() + "/app/devices"))
                    .header("Cookie", "fk_console=" + cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(replay.statusCode()).as("the old cookie on A after signing out on B").isEqualTo(303);
            web.get(a.base() + "/app/devices");
            assertThat(web.getCurrentUrl()).endsWith("/app/sign-in");
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

    @Test
    void aDeviceConnectedToOneNodeIsDisconnectedWithinASecondWhenTheOtherSuspendsIt() throws Exception {
        String admin = tenant().path("admin_token").path("token").asString();
        String[] d = keyDevice(admin);
        var closed = new CompletableFuture<MqttClientDisconnectedContext>();
        Mqtt5BlockingClient onB = mqtt(mqttB, d[0], closed);
        onB.connectWith().simpleAuth().username(d[0]).password(d[1].getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        onB.subscribeWith().topicFilter("fk/" + d[0] + "/commands/#").qos(MqttQos.AT_LEAST_ONCE).send();

        long start = System.nanoTime();
        call(a, "POST", "/api/v1/devices/" + d[0] + "/suspend", admin, null);
        MqttClientDisconnectedContext ctx = closed.get(10, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(ctx.getSource()).isEqualTo(MqttDisconnectSource.SERVER);
        System.out.println("scale-out: suspend on A -> MQTT disconnect on B in " + millis + " ms");
        assertThat(millis).as("from the suspend request on A to the disconnect on B").isLessThan(PROPAGATION_MS);

        Mqtt5BlockingClient again = mqtt(mqttB, d[0], new CompletableFuture<>());
        assertThatThrownBy(() -> again.connectWith().simpleAuth().username(d[0])
                .password(d[1].getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage()
                        .getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
    }

    @Test
    void aDesiredChangeMadeOnOneNodeReachesTheDeviceConnectedToTheOther() throws Exception {
        String admin = tenant().path("admin_token").path("token").asString();
        String[] d = keyDevice(admin);
        Mqtt5BlockingClient onB = mqtt(mqttB, d[0], new CompletableFuture<>());
        onB.connectWith().simpleAuth().username(d[0]).password(d[1].getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        try (var publishes = onB.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            onB.subscribeWith().topicFilter("fk/" + d[0] + "/shadow/update/delta").qos(MqttQos.AT_LEAST_ONCE).send();
            long start = System.nanoTime();
            call(a, "PATCH", "/api/v1/devices/" + d[0] + "/shadow", admin,
                    Map.of("state", Map.of("desired", Map.of("sample_rate", 5))));
            var delta = publishes.receive(5, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(delta).as("delta on node B").isPresent();
            assertThat(delta.get().getTopic()).hasToString("fk/" + d[0] + "/shadow/update/delta");
            assertThat(JSON.readTree(delta.get().getPayloadAsBytes()).path("state").path("sample_rate").asInt())
                    .isEqualTo(5);
            System.out.println("scale-out: desired PATCH on A -> delta on B in " + millis + " ms");
            assertThat(millis).as("from the PATCH on A to the delta on B").isLessThan(PROPAGATION_MS);
        }
        onB.disconnect();
    }

    @Test
    void connectingToOneNodeTakesTheSessionOverFromTheOther() throws Exception {
        String admin = tenant().path("admin_token").path("token").asString();
        String[] d = keyDevice(admin);
        var firstClosed = new CompletableFuture<MqttClientDisconnectedContext>();
        Mqtt5BlockingClient onB = mqtt(mqttB, d[0], firstClosed);
        onB.connectWith().simpleAuth().username(d[0]).password(d[1].getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        Mqtt5BlockingClient onA = mqtt(mqttA, d[0], new CompletableFuture<>());
        long start = System.nanoTime();
        onA.connectWith().simpleAuth().username(d[0]).password(d[1].getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        MqttClientDisconnectedContext ctx = firstClosed.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(PROPAGATION_MS);
        assertThat(ctx.getCause()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER));
        assertThat(onA.getState().isConnected()).isTrue();
        onA.disconnect();
    }

    // --- helpers ---

    private static String[] with(String[] args, String more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        return all;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A device with a key, made on node A: {id, key}. */
    private static String[] keyDevice(String admin) throws Exception {
        String id = call(a, "POST", "/api/v1/devices", admin, Map.of("name", "d", "device_type", "sensor"))
                .path("id").asString();
        String key = call(a, "POST", "/api/v1/devices/" + id + "/device-key/rotate", admin, null)
                .path("device_key").asString();
        return new String[] {id, key};
    }

    /** An MQTT 5 client over TLS (trusting the platform CA) that reports its disconnection. */
    private static Mqtt5BlockingClient mqtt(int port, String clientId,
            CompletableFuture<MqttClientDisconnectedContext> closed) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("platform", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(platformCa.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .sslConfig().trustManagerFactory(tmf).applySslConfig()
                .addDisconnectedListener(closed::complete).buildBlocking();
    }

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

    /** Skips the test class, saying why on the console too (an aborted class shows as 0 tests run). */
    private static void skip(String why) {
        System.out.println("SKIPPED: scale-out test: " + why);
        assumeThat(false).as(why + " (needed by the scale-out test)").isTrue();
    }

    /** How long until {@code condition} holds, polling; fails after 10 s. */
    private static long millisUntil(Callable<Boolean> condition) {
        long start = System.nanoTime();
        Await.until(Duration.ofSeconds(10), "the other node to agree", condition);
        return (System.nanoTime() - start) / 1_000_000;
    }
}
