package io.fleetkeeper.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.telemetry.internal.HttpsRateLimiter;
import io.fleetkeeper.telemetry.internal.JetStreamPipeline;
import io.fleetkeeper.telemetry.internal.MessageParser;
import io.fleetkeeper.telemetry.internal.RejectionEvents;
import io.fleetkeeper.telemetry.internal.TelemetryMessage;
import io.fleetkeeper.telemetry.internal.TelemetryMetrics;
import io.fleetkeeper.telemetry.internal.TelemetryPipeline.Unavailable;
import io.fleetkeeper.telemetry.internal.TelemetryRepository;
import io.fleetkeeper.telemetry.internal.TelemetryStore;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.NatsServer;
import io.fleetkeeper.testing.TestTenant;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JetStream pipeline against the real NATS server: ingest is acknowledged after the stream's PubAck, the
 * shared durable consumer writes what was accepted, two nodes' consumers split the work, a redelivered message is
 * stored once, and an unreachable NATS refuses with 503. Each test has a stream, subject and consumer of its own;
 * the pipeline is built here around the shared context's store, so no second Spring context is needed.
 */
class TelemetryJetStreamTests extends ApiTest {

    @Autowired TelemetryStore store;
    @Autowired TelemetryMetrics metrics;
    @Autowired JsonMapper json;
    @Autowired TelemetryProperties props;
    @Autowired MessageParser parser;
    @Autowired TelemetrySettingsService settings;
    @Autowired RejectionEvents rejections;
    @Autowired TelemetryRepository repository;
    @Autowired io.micrometer.core.instrument.MeterRegistry registry;

    private final List<JetStreamPipeline> started = new ArrayList<>();
    private NatsProperties nats;
    private TestTenant tenant;
    private String deviceId;

    @BeforeEach
    void setUp() {
        NatsServer.assumeRunning();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        nats = new NatsProperties(NatsServer.URL, "FK_TEST_" + suffix, "fktest" + suffix, "writer-" + suffix,
                Duration.ofHours(1), 64L << 20, Duration.ofSeconds(2), Duration.ofSeconds(2));
        tenant = newTenant();
        deviceId = createDevice(tenant.admin(), device("js")).path("id").asString();
    }

    @AfterEach
    void tearDown() throws Exception {
        started.forEach(JetStreamPipeline::stop);
        if (nats != null) {
            try (Connection c = Nats.connect(NatsServer.URL)) {
                c.jetStreamManagement().deleteStream(nats.telemetryStream());
            } catch (IOException | JetStreamApiException e) {
                // the stream may not exist when the test was skipped early
            }
        }
    }

    private JetStreamPipeline node(NatsProperties p) {
        JetStreamPipeline pipeline = new JetStreamPipeline(p, props, store, metrics, json);
        pipeline.start();
        started.add(pipeline);
        return pipeline;
    }

    private TelemetryService service(JetStreamPipeline pipeline) {
        return new TelemetryService(parser, pipeline, settings, rejections, metrics, repository,
                new HttpsRateLimiter(100, java.time.Clock.systemUTC()));
    }

    private JsonNode points() {
        return api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/telemetry?limit=1000").expect(200)
                .path("items");
    }

    @Test
    void acceptedMessagesAreInTheStreamAtTheAnswerAndTheSharedConsumerStoresThemOnce() throws Exception {
        JetStreamPipeline a = node(nats);
        JetStreamPipeline b = node(nats);
        Await.until(Duration.ofSeconds(15), "both nodes connected to JetStream", () -> a.ready() && b.ready());
        UUID tenantId = UUID.fromString(tenant.id());
        UUID device = UUID.fromString(deviceId);
        for (int i = 0; i < 20; i++) {
            StringBuilder batch = new StringBuilder("[");
            for (int k = 0; k < 10; k++) {
                batch.append(k == 0 ? "" : ",").append("{\"msg_id\":\"b").append(i).append('-').append(k)
                        .append("\",\"n\":").append(i * 10 + k).append('}');
            }
            JetStreamPipeline via = i % 2 == 0 ? a : b;
            assertThat(service(via).ingest(tenantId, device, TelemetryService.HTTPS, json.readTree(batch + "]"), null,
                    0).join()).isEqualTo(10);
        }
        try (Connection c = Nats.connect(NatsServer.URL)) {
            // each batch of ten was one envelope in the stream (written ones have left it since)
            assertThat(c.jetStreamManagement().getStreamInfo(nats.telemetryStream()).getStreamState()
                    .getLastSequence()).isEqualTo(20);
        }
        Await.until(Duration.ofSeconds(20), "200 points stored", () -> points().size() == 200);
        assertThat(points().valueStream().map(p -> p.path("msg_id").asString()).distinct().count()).isEqualTo(200);
    }

    @Test
    void messagesSubmittedWhileEnvelopesAwaitTheirPubAckShareStreamMessagesAndAreEachStoredOnce() throws Exception {
        JetStreamPipeline a = node(nats);
        Await.until(Duration.ofSeconds(15), "connected to JetStream", a::ready);
        UUID tenantId = UUID.fromString(tenant.id());
        UUID device = UUID.fromString(deviceId);
        List<java.util.concurrent.CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 1000; i++) { // as 1,000 MQTT publishes arriving at once: one submission each
            acks.add(a.submit(List.of(new TelemetryMessage(tenantId, device, "e-" + i, System.currentTimeMillis(), "",
                    List.of(new TelemetryMessage.Metric("n", "n", (double) i, null)), System.currentTimeMillis()))));
        }
        acks.forEach(java.util.concurrent.CompletableFuture::join);
        try (Connection c = Nats.connect(NatsServer.URL)) {
            long streamMessages = c.jetStreamManagement().getStreamInfo(nats.telemetryStream()).getStreamState()
                    .getLastSequence();
            assertThat(streamMessages).isBetween(1L, 500L);
        }
        Await.until(Duration.ofSeconds(20), "1,000 points stored", () -> points().size() == 1000);
        assertThat(points().valueStream().map(p -> p.path("msg_id").asString()).distinct().count()).isEqualTo(1000);
    }

    @Test
    void writtenMessagesLeaveTheStreamSoItsSizeLimitHoldsOnlyTheBacklog() throws Exception {
        NatsProperties small = new NatsProperties(NatsServer.URL, nats.telemetryStream(), nats.telemetrySubject(),
                nats.telemetryConsumer(), Duration.ofHours(1), 16 * 1024, Duration.ofSeconds(2), Duration.ofSeconds(2));
        JetStreamPipeline a = node(small);
        Await.until(Duration.ofSeconds(15), "connected to JetStream", a::ready);
        UUID tenantId = UUID.fromString(tenant.id());
        UUID device = UUID.fromString(deviceId);
        for (int round = 0; round < 20; round++) { // about 100 KiB in all through a stream of 16 KiB
            List<TelemetryMessage> batch = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                batch.add(new TelemetryMessage(tenantId, device, "r" + round + "-" + k, System.currentTimeMillis(), "",
                        List.of(new TelemetryMessage.Metric("n", "n", (double) k, null)), System.currentTimeMillis()));
            }
            a.submit(batch).join();
            int expected = (round + 1) * 20;
            Await.until(Duration.ofSeconds(20), expected + " points stored", () -> points().size() == expected);
        }
        try (Connection c = Nats.connect(NatsServer.URL)) {
            Await.until(Duration.ofSeconds(10), "the stream empty once everything is written", () -> c
                    .jetStreamManagement().getStreamInfo(nats.telemetryStream()).getStreamState().getMsgCount() == 0);
        }
    }

    @Test
    void aMessageDeliveredTwiceIsStoredOnce() throws Exception {
        JetStreamPipeline a = node(nats);
        Await.until(Duration.ofSeconds(15), "connected to JetStream", a::ready);
        TelemetryMessage m = new TelemetryMessage(UUID.fromString(tenant.id()), UUID.fromString(deviceId), "dup-1",
                System.currentTimeMillis(), "", List.of(new TelemetryMessage.Metric("n", "n", 1.0, null)),
                System.currentTimeMillis());
        try (Connection c = Nats.connect(NatsServer.URL)) {
            var js = c.jetStream();
            String subject = nats.telemetrySubject() + "." + tenant.id();
            // as a redelivery would: the same envelope twice (distinct stream ids so the stream keeps both)
            js.publish(subject, json.writeValueAsBytes(m), PublishOptions.builder().messageId("x1").build());
            js.publish(subject, json.writeValueAsBytes(m), PublishOptions.builder().messageId("x2").build());
            Await.until(Duration.ofSeconds(20), "both deliveries consumed", () -> c.jetStreamManagement()
                    .getConsumerInfo(nats.telemetryStream(), nats.telemetryConsumer()).getAckFloor().getStreamSequence() == 2);
        }
        assertThat(points()).hasSize(1);
    }

    @Test
    void theConsumerLagCountsWhatNoNodeHasWrittenAndTheGaugeFallsToZeroOnceWritten() throws Exception {
        JetStreamPipeline a = node(nats);
        Await.until(Duration.ofSeconds(15), "connected to JetStream", a::ready);
        a.stop(); // the durable consumer stays; nothing consumes it now
        try (Connection c = Nats.connect(NatsServer.URL)) {
            String subject = nats.telemetrySubject() + "." + tenant.id();
            for (int i = 0; i < 3; i++) {
                TelemetryMessage m = new TelemetryMessage(UUID.fromString(tenant.id()), UUID.fromString(deviceId),
                        "lag-" + i, System.currentTimeMillis(), "", List.of(new TelemetryMessage.Metric("n", "n", 1.0,
                                null)), System.currentTimeMillis());
                c.jetStream().publish(subject, json.writeValueAsBytes(m));
            }
            assertThat(JetStreamPipeline.consumerLag(c, nats)).isEqualTo(3);
            node(nats);
            Await.until(Duration.ofSeconds(20), "the backlog written", () -> points().size() == 3);
            Await.until(Duration.ofSeconds(20), "no lag left", () -> JetStreamPipeline.consumerLag(c, nats) == 0);
        }
        Await.until(Duration.ofSeconds(10), "the gauge reads the lag", () -> registry
                .get("fleetkeeper.telemetry.consumer.lag").gauge().value() == 0.0);
    }

    @Test
    void anUnreachableNatsAnswers503AndAcceptsNothing() {
        NatsProperties down = new NatsProperties("nats://127.0.0.1:1", nats.telemetryStream(),
                nats.telemetrySubject(), nats.telemetryConsumer(), Duration.ofHours(1), -1, Duration.ofSeconds(1),
                Duration.ofSeconds(2));
        JetStreamPipeline p = node(down);
        assertThatThrownBy(() -> service(p).ingest(UUID.fromString(tenant.id()), UUID.fromString(deviceId),
                TelemetryService.HTTPS, json.readTree("{\"n\":1}"), null, 0).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                    assertThat(e.retryAfterSeconds()).isPositive();
                });
        assertThat(p.submit(List.of()).isCompletedExceptionally()).isTrue();
        assertThatThrownBy(() -> p.submit(List.of()).join()).hasCauseInstanceOf(Unavailable.class);
        assertThat(points()).isEmpty();
    }
}
