package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.store.JetStreamPulls;
import io.fleetkeeper.telemetry.NatsProperties;
import io.fleetkeeper.telemetry.TelemetryProperties;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The production pipeline: each accepted message is published to the JetStream stream on
 * {@code <subject>.<tenant id>} (with the message id as {@code Nats-Msg-Id}, so a resend within the stream's
 * duplicate window is dropped by the stream too), and the submission completes on the PubAck. A durable pull
 * consumer shared by all nodes feeds every node's loop: fetch a batch, write it in one transaction, then ack
 * each message. A crash between commit and ack redelivers; {@code (device, msg_id)} makes that write nothing.
 * While NATS is unreachable, submissions fail at once ({@link Unavailable}) and the connection keeps retrying.
 */
public final class JetStreamPipeline implements TelemetryPipeline {

    private static final Logger log = LoggerFactory.getLogger(JetStreamPipeline.class);

    private final NatsProperties nats;
    private final TelemetryProperties props;
    private final TelemetryStore store;
    private final TelemetryMetrics metrics;
    private final JsonMapper json;
    private volatile Connection connection;
    private volatile JetStream jetStream;
    private volatile boolean running;
    private Thread consumer;
    private long lagReadAt;

    public JetStreamPipeline(NatsProperties nats, TelemetryProperties props, TelemetryStore store,
            TelemetryMetrics metrics, JsonMapper json) {
        this.nats = nats;
        this.props = props;
        this.store = store;
        this.metrics = metrics;
        this.json = json;
    }

    @Override
    public CompletableFuture<Void> submit(List<TelemetryMessage> messages) {
        Connection c = connection;
        JetStream js = jetStream;
        if (c == null || js == null || c.getStatus() != Connection.Status.CONNECTED) {
            return CompletableFuture.failedFuture(new Unavailable("NATS is not connected", null));
        }
        List<CompletableFuture<?>> acks = new ArrayList<>(messages.size());
        for (TelemetryMessage m : messages) {
            PublishOptions options = PublishOptions.builder().messageId(m.deviceId() + "/" + m.msgId()).build();
            acks.add(js.publishAsync(nats.telemetrySubject() + "." + m.tenantId(), json.writeValueAsBytes(m),
                    options));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                .orTimeout(nats.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((ok, failure) -> {
                    if (failure != null) {
                        throw new Unavailable("the telemetry stream did not acknowledge", failure);
                    }
                    return null;
                });
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        consumer = Thread.ofPlatform().daemon().name("telemetry-jetstream").start(this::loop);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        try {
            consumer.join(10_000);
            Connection c = connection;
            if (c != null) {
                c.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Connects (retrying while NATS is down), sets the stream and consumer up, then writes batches. */
    private void loop() {
        JetStreamSubscription sub = null;
        while (running) {
            try {
                if (sub == null) {
                    sub = setUp();
                }
                List<Message> batch = JetStreamPulls.next(sub, props.writerBatchSize(), Duration.ofMillis(500));
                if (!batch.isEmpty()) {
                    write(batch);
                }
                readLag();
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                log.warn("telemetry stream consumer: {}", e.toString());
                sub = null;
                pause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private JetStreamSubscription setUp() throws IOException, JetStreamApiException, InterruptedException {
        if (connection == null) {
            Options options = new Options.Builder().server(nats.url()).connectionName("fleetkeeper-telemetry")
                    .maxReconnects(-1).reconnectWait(Duration.ofSeconds(1)).connectionTimeout(Duration.ofSeconds(2))
                    .build();
            connection = Nats.connectReconnectOnConnect(options);
        }
        JetStreamManagement jsm = connection.jetStreamManagement();
        StreamConfiguration stream = StreamConfiguration.builder().name(nats.telemetryStream())
                .subjects(nats.telemetrySubject() + ".*").storageType(StorageType.File)
                .maxAge(nats.streamMaxAge()).maxBytes(nats.streamMaxBytes()).discardPolicy(DiscardPolicy.New)
                .duplicateWindow(Duration.ofMinutes(2)).build();
        try {
            jsm.getStreamInfo(nats.telemetryStream());
            jsm.updateStream(stream);
        } catch (JetStreamApiException missing) {
            jsm.addStream(stream);
        }
        jsm.addOrUpdateConsumer(nats.telemetryStream(), ConsumerConfiguration.builder()
                .durable(nats.telemetryConsumer()).ackPolicy(AckPolicy.Explicit).ackWait(nats.ackWait())
                .maxAckPending(Math.max(1000, props.writerBatchSize() * 4L)).build());
        jetStream = connection.jetStream();
        return jetStream.subscribe(null, PullSubscribeOptions.bind(nats.telemetryStream(), nats.telemetryConsumer()));
    }

    private void write(List<Message> batch) {
        List<TelemetryMessage> messages = new ArrayList<>(batch.size());
        List<Message> writable = new ArrayList<>(batch.size());
        for (Message m : batch) {
            if (m.metaData().deliveredCount() > 1) {
                metrics.redelivered();
            }
            try {
                messages.add(json.readValue(m.getData(), TelemetryMessage.class));
                writable.add(m);
            } catch (RuntimeException e) {
                log.warn("telemetry stream message {} is not a telemetry envelope; terminated", m.getSID());
                m.term();
            }
        }
        if (!messages.isEmpty()) {
            store.write(messages); // a failure leaves them unacknowledged: delivered again after ack-wait
        }
        writable.forEach(Message::ack);
    }

    /** Every two seconds, the shared consumer's lag into the gauge (one request to NATS). */
    private void readLag() throws IOException, JetStreamApiException {
        long now = System.nanoTime();
        if (now - lagReadAt < 2_000_000_000L && lagReadAt != 0) {
            return;
        }
        lagReadAt = now;
        metrics.consumerLag(consumerLag(connection, nats));
    }

    /**
     * The lag of the shared durable consumer: messages of the stream not yet delivered plus those delivered and
     * not yet acknowledged (written), as NATS counts them for every node at once.
     */
    public static long consumerLag(Connection connection, NatsProperties nats) throws IOException,
            JetStreamApiException {
        ConsumerInfo info = connection.jetStreamManagement().getConsumerInfo(nats.telemetryStream(),
                nats.telemetryConsumer());
        return info.getNumPending() + info.getNumAckPending();
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the stream is set up and the connection is up (for tests and health). */
    public boolean ready() {
        Connection c = connection;
        return jetStream != null && c != null && c.getStatus() == Connection.Status.CONNECTED;
    }
}
