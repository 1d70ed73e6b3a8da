package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * SIGKILL while devices publish QoS 1 over MQTT and post over HTTPS: after the restart every message that was
 * acknowledged (PUBACK, 202) is stored, and every stored message is stored once (ids compared); with the embedded
 * writer and with NATS JetStream (skipped, visibly, without a NATS server).
 */
class TelemetryCrashTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    @Test
    void everyAcknowledgedMessageSurvivesAKillExactlyOnce() throws Exception {
        killUnderIngestThenCompare();
    }

    /**
     * The same through NATS JetStream: acknowledged means in the stream; the consumer of the restarted server
     * writes what the killed one had not (or had written without acknowledging to NATS) exactly once.
     */
    @Test
    void everyAcknowledgedMessageSurvivesAKillExactlyOnceThroughJetStream() throws Exception {
        NatsServer.assumeRunning();
        String suffix = java.util.UUID.randomUUID().toString().substring(0, 8);
        String stream = "FK_CRASH_" + suffix;
        try {
            killUnderIngestThenCompare("--fleetkeeper.nats.url=" + NatsServer.URL,
                    "--fleetkeeper.nats.telemetry-stream=" + stream, "--fleetkeeper.nats.telemetry-subject=fkcrash"
                            + suffix, "--fleetkeeper.nats.telemetry-consumer=writer-" + suffix,
                    "--fleetkeeper.nats.events-stream=FK_CRASH_EVENTS_" + suffix, "--fleetkeeper.nats.ack-wait=5s");
        } finally {
            try (Connection c = Nats.connect(NatsServer.URL)) {
                for (String name : List.of(stream, "FK_CRASH_EVENTS_" + suffix)) {
                    try {
                        c.jetStreamManagement().deleteStream(name);
                    } catch (JetStreamApiException absent) {
                        // not created
                    }
                }
            }
        }
    }

    private void killUnderIngestThenCompare(String... extra) throws Exception {
        int devicePort = freePort();
        int mqttPort = freePort();
        List<String> argList = new ArrayList<>(List.of("--fleetkeeper.device-api.port=" + devicePort,
                "--fleetkeeper.mqtt.port=" + mqttPort));
        argList.addAll(List.of(extra));
        String[] args = argList.toArray(String[]::new);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<Throwable> setUpFailures = java.util.Collections.synchronizedList(new ArrayList<>());
        String admin;
        List<String> devices = new ArrayList<>();
        try (ServerProcess server = new ServerProcess(dataDir).start(args)) {
            admin = call(server.base(), "POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                    "{\"name\":\"crash-telemetry\"}").path("admin_token").path("token").asString();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String id = call(server.base(), "POST", "/api/v1/devices", admin,
                        "{\"name\":\"d" + i + "\",\"device_type\":\"meter\"}").path("id").asString();
                devices.add(id);
                keys.add(call(server.base(), "POST", "/api/v1/devices/" + id + "/device-key/rotate", admin, "{}")
                        .path("device_key").asString());
            }
            SSLContext ssl = trusting(server.base());
            TrustManagerFactory trust = trustManagers(server.base());
            HttpClient tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            for (int d = 0; d < 2; d++) { // two devices post batches of 5 over HTTPS
                String id = devices.get(d);
                String key = keys.get(d);
                pool.submit(() -> {
                    for (int n = 0; running.get(); n++) {
                        StringBuilder body = new StringBuilder("[");
                        List<String> ids = new ArrayList<>();
                        for (int k = 0; k < 5; k++) {
                            String msgId = "h-" + id + "-" + n + "-" + k;
                            ids.add(msgId);
                            body.append(k == 0 ? "" : ",").append("{\"msg_id\":\"").append(msgId)
                                    .append("\",\"v\":").append(n).append('}');
                        }
                        try {
                            HttpResponse<String> r = tls.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                                    + devicePort + "/device/v1/telemetry")).header("X-Device-Key", key)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body + "]")).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 202) {
                                acknowledged.addAll(ids);
                            }
                        } catch (Exception cutOff) {
                            return null; // the server died under us
                        }
                    }
                    return null;
                });
            }
            for (int d = 2; d < 4; d++) { // two devices publish QoS 1 over MQTT 5
                String id = devices.get(d);
                String key = keys.get(d);
                pool.submit(() -> {
                    Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                            .serverHost("127.0.0.1").serverPort(mqttPort).sslConfig().trustManagerFactory(trust)
                            .applySslConfig().buildBlocking();
                    try {
                        c.connectWith().simpleAuth().username(id).password(key.getBytes(StandardCharsets.UTF_8))
                                .applySimpleAuth().send();
                    } catch (RuntimeException e) {
                        setUpFailures.add(e);
                        throw e;
                    }
                    for (int n = 0; running.get(); n++) {
                        String msgId = "m-" + id + "-" + n;
                        try {
                            c.publishWith().topic("fk/" + id + "/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                                    .payload(("{\"msg_id\":\"" + msgId + "\",\"v\":" + n + "}")
                                            .getBytes(StandardCharsets.UTF_8)).send(); // returns on the PUBACK
                            acknowledged.add(msgId);
                        } catch (RuntimeException cutOff) {
                            return null;
                        }
                    }
                    return null;
                });
            }
            try {
                Await.until(Duration.ofSeconds(120), "50 acknowledged messages over MQTT and 100 over HTTPS",
                        () -> setUpFailures.isEmpty()
                                && acknowledged.stream().filter(m -> m.startsWith("m-")).count() >= 50
                                && acknowledged.stream().filter(m -> m.startsWith("h-")).count() >= 100);
            } finally {
                server.kill();
                running.set(false);
                pool.shutdownNow();
                pool.awaitTermination(30, TimeUnit.SECONDS);
            }
        }
        assertThat(setUpFailures).isEmpty();
        assertThat(acknowledged).anyMatch(id -> id.startsWith("m-")).anyMatch(id -> id.startsWith("h-"));
        try (ServerProcess again = new ServerProcess(dataDir).start(args)) {
            // Through JetStream the restarted consumer writes the backlog (and the killed node's unacknowledged
            // fetches after ack-wait) shortly after the start; the embedded writer had it all before the kill.
            List<String> stored = Await.until(Duration.ofSeconds(90), "every acknowledged message stored",
                    () -> stored(again.base(), admin, devices), s -> s.containsAll(acknowledged));
            assertThat(stored).as("each stored message once").doesNotHaveDuplicates();
            assertThat(stored).as("every acknowledged message stored").containsAll(acknowledged);
        }
    }

    private List<String> stored(String base, String admin, List<String> devices) throws Exception {
        List<String> stored = new ArrayList<>();
        for (String device : devices) {
            String cursor = null;
            do {
                JsonNode page = call(base, "GET", "/api/v1/devices/" + device + "/telemetry?limit=1000"
                        + (cursor == null ? "" : "&cursor=" + cursor), admin, null);
                page.path("items").forEach(p -> stored.add(p.path("msg_id").asString()));
                cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asString();
            } while (cursor != null);
        }
        return stored;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private TrustManagerFactory trustManagers(String base) throws Exception {
        String pem = http.send(HttpRequest.newBuilder(URI.create(base + "/pki/v1/platform/ca.pem")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("platform", CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }

    private SSLContext trusting(String base) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, trustManagers(base).getTrustManagers(), null);
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
