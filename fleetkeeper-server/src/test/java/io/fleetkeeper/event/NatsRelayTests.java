package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.cluster.internal.TcpProxy;
import io.fleetkeeper.event.internal.CloudEvents;
import io.fleetkeeper.event.internal.NatsForwarder;
import io.fleetkeeper.event.internal.OutboxRepository;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.TestTenant;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The relay to the machine's NATS JetStream (127.0.0.1:4222; skipped, visibly, when it is not there): a
 * consumer reads CloudEvents with {@code Nats-Msg-Id}; NATS unreachable leaves the events in the outbox, and they
 * go out in order, once each, when it is back.
 */
class NatsRelayTests extends ApiTest {

    private static final String NATS = "nats://127.0.0.1:4222";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired OutboxRepository outbox;
    @Autowired CloudEvents cloudEvents;

    @BeforeAll
    static void natsRunning() {
        boolean up;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 4222), 500);
            up = true;
        } catch (IOException e) {
            up = false;
        }
        if (!up) {
            System.out.println("SKIPPED: NATS relay tests (no NATS JetStream at 127.0.0.1:4222)");
        }
        assumeThat(up).as("NATS JetStream is listening on 127.0.0.1:4222").isTrue();
    }

    private NatsForwarder forwarder(String url, String cursor) {
        outbox.cursor(cursor, outbox.maxSeq());
        return new NatsForwarder(url, "FK_EVENTS", cursor, outbox, cloudEvents, 500);
    }

    private static List<Message> read(JetStreamSubscription sub, int n) throws InterruptedException {
        return read(sub, n, Duration.ofSeconds(10));
    }

    /** Up to {@code n} messages arriving within {@code max}. */
    private static List<Message> read(JetStreamSubscription sub, int n, Duration max) throws InterruptedException {
        List<Message> got = new ArrayList<>();
        long deadline = System.nanoTime() + max.toNanos();
        while (got.size() < n && System.nanoTime() < deadline) {
            Message m = sub.nextMessage(Duration.ofMillis(200));
            if (m != null) {
                m.ack();
                got.add(m);
            }
        }
        return got;
    }

    @Test
    void eventsArePublishedToJetStreamAsCloudEventsWithTheirIdForDeduplication() throws Exception {
        TestTenant t = newTenant();
        String forwarderCursor = "nats-test-" + UUID.randomUUID();
        try (NatsForwarder forwarder = forwarder(NATS, forwarderCursor);
                Connection nc = Nats.connect(NATS)) {
            forwarder.step(); // connects, creates the stream when missing
            JetStreamSubscription sub = nc.jetStream().subscribe("fk.events." + t.id() + ".>",
                    PushSubscribeOptions.builder().stream("FK_EVENTS").build());
            String id = createDevice(t.admin(), device("pump")).path("id").asString();
            api.call("POST", "/api/v1/devices/" + id + "/suspend").token(t.admin()).send().expect(200);
            UUID tenant = UUID.fromString(t.id());
            Await.until(Duration.ofSeconds(10), "both events sequenced", () -> outbox.after(tenant, 0, 10).size() == 2);
            long last = outbox.after(tenant, 0, 10).getLast().seq();
            Await.until(Duration.ofSeconds(10), "both events published", () -> {
                forwarder.step();
                return outbox.cursor(forwarderCursor, 0) >= last;
            });
            List<Message> got = read(sub, 2);
            assertThat(got).hasSize(2);
            JsonNode first = JSON.readTree(new String(got.get(0).getData(), StandardCharsets.UTF_8));
            JsonNode second = JSON.readTree(new String(got.get(1).getData(), StandardCharsets.UTF_8));
            assertThat(first.path("type").asString()).isEqualTo("io.fleetkeeper.device.created");
            assertThat(second.path("type").asString()).isEqualTo("io.fleetkeeper.device.status.changed");
            assertThat(second.path("subject").asString()).isEqualTo(id);
            assertThat(second.path("tenantid").asString()).isEqualTo(t.id());
            assertThat(got.get(1).getSubject()).isEqualTo("fk.events." + t.id() + ".io.fleetkeeper.device.status.changed");
            assertThat(got.get(1).getHeaders().getFirst("Nats-Msg-Id")).isEqualTo(second.path("id").asString());

            // sent again from an older cursor (a crash before the cursor moved): JetStream drops the copies
            String again = "nats-test-" + UUID.randomUUID();
            outbox.cursor(again, outbox.after(tenant, 0, 1).getFirst().seq() - 1);
            try (NatsForwarder replay = new NatsForwarder(NATS, "FK_EVENTS", again, outbox, cloudEvents, 500)) {
                Await.until(Duration.ofSeconds(10), "replayed", () -> !replay.step());
            }
            assertThat(read(sub, 1, Duration.ofMillis(500))).as("copies delivered to the consumer").isEmpty();
        }
    }

    @Test
    void whileNatsIsUnreachableTheOutboxKeepsEventsAndTheyGoOutInOrderAfter() throws Exception {
        TestTenant t = newTenant();
        UUID tenant = UUID.fromString(t.id());
        String cursor = "nats-test-" + UUID.randomUUID();
        try (TcpProxy proxy = new TcpProxy(4222); Connection nc = Nats.connect(NATS)) {
            proxy.open();
            try (NatsForwarder forwarder = forwarder("nats://127.0.0.1:" + proxy.port(), cursor)) {
                forwarder.step(); // connects, creates the stream when missing
                JetStreamSubscription sub = nc.jetStream().subscribe("fk.events." + t.id() + ".>",
                        PushSubscribeOptions.builder().stream("FK_EVENTS").build());
                proxy.shut();
                String id = createDevice(t.admin(), device("pump")).path("id").asString();
                for (int i = 0; i < 5; i++) {
                    api.call("POST", "/api/v1/devices/" + id + (i % 2 == 0 ? "/suspend" : "/resume"))
                            .token(t.admin()).send().expect(200);
                }
                Await.until(Duration.ofSeconds(10), "six events sequenced",
                        () -> outbox.after(tenant, 0, 10).size() == 6);
                for (int i = 0; i < 3; i++) {
                    forwarder.step();
                }
                assertThat(outbox.cursor(cursor, 0)).as("the cursor while NATS is away")
                        .isLessThan(outbox.after(tenant, 0, 1).getFirst().seq());
                assertThat(read(sub, 1, Duration.ofMillis(500))).isEmpty();

                proxy.open();
                long last = outbox.after(tenant, 0, 10).getLast().seq();
                Await.until(Duration.ofSeconds(20), "the outbox drained to NATS", () -> {
                    forwarder.step();
                    return outbox.cursor(cursor, 0) >= last;
                });
                List<Message> got = read(sub, 6);
                assertThat(got).hasSize(6);
                List<String> ids = outbox.after(tenant, 0, 10).stream().map(OutboxEvent::id).toList();
                assertThat(got).extracting(m -> m.getHeaders().getFirst("Nats-Msg-Id")).containsExactlyElementsOf(ids);
                assertThat(read(sub, 1, Duration.ofMillis(500))).isEmpty();
            }
        }
    }
}
