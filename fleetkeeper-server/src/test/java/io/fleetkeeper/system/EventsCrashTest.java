package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.cluster.internal.TcpProxy;
import io.fleetkeeper.event.WebhookSink;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * SIGKILL between commit and publish, with the machine's NATS JetStream (skipped, visibly, without it): devices
 * are created while the server's way to NATS is cut, so committed events wait in the outbox when the server is
 * killed. After the restart every acknowledged device's {@code device.created} event is in the events stream
 * exactly once (by {@code Nats-Msg-Id}, and no id twice), and the webhook route, delivered through the ROUTES
 * stream, received each of them with a valid signature.
 */
class EventsCrashTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    @Test
    void everyCommittedEventIsPublishedOnceAfterAKill() throws Exception {
        NatsServer.assumeRunning();
        String run = Long.toHexString(System.nanoTime());
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        String tenant;
        try (TcpProxy proxy = new TcpProxy(4222); WebhookSink sink = new WebhookSink()) {
            proxy.open();
            String[] args = {"--fleetkeeper.nats.url=nats://127.0.0.1:" + proxy.port(),
                    "--fleetkeeper.nats.routes-stream=FKT_ROUTES_" + run, "--fleetkeeper.nats.routes-subject=fkt-"
                            + run, "--fleetkeeper.nats.routes-consumer=fkt-" + run,
                    "--fleetkeeper.events.allowed-private-networks=127.0.0.1/32"};
            try (ServerProcess server = new ServerProcess(dataDir).start(args)) {
                var created = server.call("POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                        "{\"name\":\"crash-events\"}");
                tenant = created.path("tenant").path("id").asString();
                String admin = created.path("admin_token").path("token").asString();
                var route = server.call("POST", "/api/v1/routes", admin, "{\"name\":\"sink\",\"source\":"
                        + "[\"io.fleetkeeper.device.created\"],\"destination\":{\"type\":\"webhook\",\"url\":\""
                        + sink.url() + "\"}}");
                sink.secret(route.path("destination").path("secret").asString());
                AtomicBoolean running = new AtomicBoolean(true);
                java.util.concurrent.atomic.AtomicReference<String> refused = new java.util.concurrent.atomic.AtomicReference<>();
                ExecutorService pool = Executors.newFixedThreadPool(2);
                for (int w = 0; w < 2; w++) {
                    int writer = w;
                    pool.submit(() -> {
                        for (int n = 0; running.get(); n++) {
                            try {
                                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.base()
                                        + "/api/v1/devices")).header("Authorization", "Bearer " + admin)
                                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers
                                                .ofString("{\"name\":\"d" + writer + "-" + n + "\",\"device_type\":\"sensor\"}")).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() == 201) {
                                    acknowledged.add(json.readTree(r.body()).path("id").asString());
                                } else {
                                    refused.set(r.statusCode() + " " + r.body());
                                }
                            } catch (Exception cutOff) {
                                refused.set(cutOff.toString());
                                return null; // the server died under us
                            }
                        }
                        return null;
                    });
                }
                try {
                    try {
                        Await.until(Duration.ofSeconds(60), "40 devices created with NATS reachable",
                                () -> acknowledged.size() >= 40);
                    } catch (AssertionError e) {
                        throw new AssertionError(e.getMessage() + "; created " + acknowledged.size()
                                + ", last refusal: " + refused.get(), e);
                    }
                    proxy.shut(); // NATS unreachable: what commits now stays in the outbox
                    int before = acknowledged.size();
                    Await.until(Duration.ofSeconds(60), "40 more devices created without NATS",
                            () -> acknowledged.size() >= before + 40);
                } finally {
                    server.kill();
                    running.set(false);
                    pool.shutdownNow();
                    pool.awaitTermination(30, TimeUnit.SECONDS);
                }
            }
            proxy.open();
            try (ServerProcess again = new ServerProcess(dataDir).start(args);
                    Connection nc = Nats.connect(NatsServer.URL)) {
                JetStreamSubscription sub = nc.jetStream().subscribe("fk.events." + tenant + ".>",
                        PushSubscribeOptions.builder().stream("FK_EVENTS").configuration(ConsumerConfiguration
                                .builder().deliverPolicy(DeliverPolicy.All).build()).build());
                Map<String, Integer> createdPerDevice = new HashMap<>();
                List<String> ids = new ArrayList<>();
                Await.until(Duration.ofSeconds(120), "every acknowledged device's event in JetStream", () -> {
                    for (Message m = sub.nextMessage(Duration.ofMillis(200)); m != null;
                            m = sub.nextMessage(Duration.ofMillis(50))) {
                        m.ack();
                        ids.add(m.getHeaders().getFirst("Nats-Msg-Id"));
                        var ce = json.readTree(new String(m.getData(), StandardCharsets.UTF_8));
                        if (ce.path("type").asString().equals("io.fleetkeeper.device.created")) {
                            createdPerDevice.merge(ce.path("subject").asString(), 1, Integer::sum);
                        }
                    }
                    return createdPerDevice.keySet().containsAll(acknowledged);
                });
                assertThat(sub.nextMessage(Duration.ofSeconds(2))).as("nothing more").isNull();
                assertThat(ids).as("no event id published twice").doesNotHaveDuplicates();
                assertThat(createdPerDevice.values()).as("one device.created per device").containsOnly(1);
                Await.until(Duration.ofSeconds(60), "every acknowledged device's webhook received",
                        () -> sink.received().stream().map(r -> json.readTree(r.body()).path("subject").asString())
                                .collect(java.util.stream.Collectors.toSet()).containsAll(acknowledged));
                assertThat(sink.received()).allMatch(WebhookSink.Received::signatureValid);
            } finally {
                try (Connection nc = Nats.connect(NatsServer.URL)) {
                    nc.jetStreamManagement().deleteStream("FKT_ROUTES_" + run);
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(80);
        UUID.fromString(tenant);
    }
}
