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
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The production pipeline: accepted messages are published to the JetStream stream on {@code <subject>.<tenant
 * id>} and each submission completes on the PubAck of what holds it. One publisher thread publishes what was
 * submitted while the envelopes before it awaited their PubAck (at most {@value #IN_FLIGHT}) as one stream message
 * per tenant: a JSON array of messages (an envelope), or a message alone, as soon as it comes, at a light load (then
 * with the message id as {@code Nats-Msg-Id}, so a resend within the stream's duplicate window is dropped by the
 * stream too). A durable pull consumer shared by all nodes feeds every node's loop: pull envelopes, write their
 * messages in transactions of about the writer's batch size, then ack each envelope. A crash between commit and
 * ack redelivers; {@code (device, msg_id)} makes that write nothing. While NATS is unreachable, submissions fail at
 * once ({@link Unavailable}) and the connection keeps retrying.
 */
public final class JetStreamPipeline implements TelemetryPipeline {

    private static final Logger log = LoggerFactory.getLogger(JetStreamPipeline.class);

    /** Envelopes awaiting their PubAck at once: while they wait, what is submitted gathers into the next ones. */
    static final int IN_FLIGHT = 4;
    /** Stream messages taken by one pull of the writer. */
    private static final int PULL = 100;
    /** Most telemetry messages in one stream message. */
    static final int MAX_ENVELOPE_MESSAGES = 500;
    /** An envelope is closed once its body reaches this size (NATS refuses payloads over 1 MiB by default). */
    static final int MAX_ENVELOPE_BYTES = 256 * 1024;

    private final NatsProperties nats;
    private final TelemetryProperties props;
    private final TelemetryStore store;
    private final TelemetryMetrics metrics;
    private final JsonMapper json;
    private volatile Connection connection;
    private volatile JetStream jetStream;
    private volatile boolean running;
    private Thread consumer;
    private Thread publisher;
    private long lagReadAt;
    /** Submissions waiting for the publisher. */
    private final LinkedBlockingQueue<Pending> outbox = new LinkedBlockingQueue<>();
    /** Envelopes published and awaiting their PubAck. */
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);

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
        if (c == null || js == null || c.getStatus() != Connection.Status.CONNECTED || !running) {
            return CompletableFuture.failedFuture(new Unavailable("NATS is not connected", null));
        }
        Pending p = new Pending(messages);
        if (messages.isEmpty()) {
            p.done().complete(null);
        } else {
            outbox.add(p);
        }
        return p.done().orTimeout(nats.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((ok, failure) -> {
                    if (failure != null) {
                        throw new Unavailable("the telemetry stream did not acknowledge", failure);
                    }
                    return null;
                });
    }

    /**
     * The publisher: takes what was submitted while the previous envelopes awaited their PubAck and publishes it as
     * one envelope per tenant (at most {@value #IN_FLIGHT} awaiting at once). A light load publishes each message
     * alone, as soon as it comes; a heavy one fills the envelopes, which is what makes it cheaper per message.
     */
    private void publishLoop() {
        List<Pending> taken = new ArrayList<>();
        while (running || !outbox.isEmpty()) {
            try {
                Pending first = outbox.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                inFlight.acquire();
                taken.clear();
                taken.add(first);
                outbox.drainTo(taken, MAX_ENVELOPE_MESSAGES);
                publish(taken);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.warn("telemetry publisher: {}", e.toString());
            }
        }
        Pending left;
        while ((left = outbox.poll()) != null) {
            left.done().completeExceptionally(new Unavailable("the telemetry pipeline stopped", null));
        }
    }

    /** Publishes the submissions (one permit of {@link #inFlight} already taken), one envelope per tenant. */
    private void publish(List<Pending> taken) {
        Map<UUID, Envelope> byTenant = new LinkedHashMap<>();
        List<Envelope> envelopes = new ArrayList<>();
        try {
            for (Pending p : taken) {
                for (TelemetryMessage m : p.messages()) {
                    Envelope e = byTenant.get(m.tenantId());
                    if (e == null || e.full()) {
                        e = new Envelope(m.tenantId());
                        byTenant.put(m.tenantId(), e);
                        envelopes.add(e);
                    }
                    e.add(m, json.writeValueAsBytes(m), p);
                }
            }
        } catch (RuntimeException e) {
            inFlight.release();
            taken.forEach(p -> p.done().completeExceptionally(e));
            return;
        }
        boolean permitUsed = false;
        for (Envelope e : envelopes) {
            CompletableFuture<?> ack;
            try {
                if (permitUsed) {
                    inFlight.acquire();
                }
                permitUsed = true;
                JetStream js = jetStream;
                if (js == null) {
                    throw new IOException("not connected");
                }
                PublishOptions.Builder options = PublishOptions.builder();
                if (e.messages.size() == 1) { // alone: the stream's duplicate window sees the message's own id
                    TelemetryMessage m = e.messages.getFirst();
                    options.messageId(m.deviceId() + "/" + m.msgId());
                }
                ack = js.publishAsync(nats.telemetrySubject() + "." + e.tenantId, e.bytes(), options.build())
                        .orTimeout(nats.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (IOException | RuntimeException | InterruptedException failure) {
                if (failure instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                ack = CompletableFuture.failedFuture(failure);
            }
            ack.whenComplete((ok, failure) -> {
                inFlight.release();
                e.settle(failure);
            });
        }
    }

    /** A submission: its messages and what completes when every envelope holding them is acknowledged. */
    private static final class Pending {
        private final List<TelemetryMessage> messages;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Envelopes holding some of its messages and not acknowledged yet. */
        private final AtomicInteger open = new AtomicInteger();

        Pending(List<TelemetryMessage> messages) {
            this.messages = messages;
        }

        List<TelemetryMessage> messages() {
            return messages;
        }

        CompletableFuture<Void> done() {
            return done;
        }
    }

    /** One stream message: a JSON array of telemetry messages of one tenant. */
    private static final class Envelope {
        private final UUID tenantId;
        private final List<TelemetryMessage> messages = new ArrayList<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
        private final Set<Pending> submissions = new LinkedHashSet<>();

        Envelope(UUID tenantId) {
            this.tenantId = tenantId;
            body.write('[');
        }

        boolean full() {
            return messages.size() >= MAX_ENVELOPE_MESSAGES || body.size() >= MAX_ENVELOPE_BYTES;
        }

        void add(TelemetryMessage m, byte[] json, Pending from) {
            if (!messages.isEmpty()) {
                body.write(',');
            }
            body.writeBytes(json);
            messages.add(m);
            if (submissions.add(from)) {
                from.open.incrementAndGet();
            }
        }

        /** The body to publish (once): the array, or a message alone as itself. */
        byte[] bytes() {
            if (messages.size() == 1) {
                byte[] b = body.toByteArray();
                return Arrays.copyOfRange(b, 1, b.length);
            }
            body.write(']');
            return body.toByteArray();
        }

        void settle(Throwable failure) {
            for (Pending p : submissions) {
                if (failure != null) {
                    p.done().completeExceptionally(failure);
                } else if (p.open.decrementAndGet() == 0) {
                    p.done().complete(null);
                }
            }
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        consumer = Thread.ofPlatform().daemon().name("telemetry-jetstream").start(this::loop);
        publisher = Thread.ofPlatform().daemon().name("telemetry-publish").start(this::publishLoop);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        try {
            publisher.join(10_000);
            if (inFlight.tryAcquire(IN_FLIGHT, nats.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                inFlight.release(IN_FLIGHT); // every envelope answered
            }
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
                List<Message> batch = JetStreamPulls.next(sub, PULL, Duration.ofMillis(500));
                if (!batch.isEmpty()) {
                    write(sub, batch);
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
                // a message leaves the stream once the shared consumer acknowledged it (written to the store): the
                // size limit holds what is waiting, not what was written
                .retentionPolicy(RetentionPolicy.Interest)
                .maxAge(nats.streamMaxAge()).maxBytes(nats.streamMaxBytes()).discardPolicy(DiscardPolicy.New)
                .duplicateWindow(Duration.ofMinutes(2)).build();
        StreamInfo existing;
        try {
            existing = jsm.getStreamInfo(nats.telemetryStream());
        } catch (JetStreamApiException missing) {
            existing = null;
        }
        if (existing == null) {
            jsm.addStream(stream);
        } else {
            RetentionPolicy retention = existing.getConfiguration().getRetentionPolicy();
            if (retention != RetentionPolicy.Interest) { // NATS cannot change a stream's retention in place
                log.warn("telemetry stream {} keeps messages after they are written (retention {}), so it refuses new "
                        + "ones once its size limit is reached even when nothing waits: delete it while no node runs "
                        + "and it is created again with retention Interest", nats.telemetryStream(), retention);
                stream = StreamConfiguration.builder(stream).retentionPolicy(retention).build();
            }
            jsm.updateStream(stream);
        }
        jsm.addOrUpdateConsumer(nats.telemetryStream(), ConsumerConfiguration.builder()
                .durable(nats.telemetryConsumer()).ackPolicy(AckPolicy.Explicit).ackWait(nats.ackWait())
                .maxAckPending(Math.max(1000, props.writerBatchSize() * 4L)).build());
        jetStream = connection.jetStream();
        return jetStream.subscribe(null, PullSubscribeOptions.bind(nats.telemetryStream(), nats.telemetryConsumer()));
    }

    /**
     * Writes a pull's envelopes, taking more that are already there while the batch holds fewer than the writer's
     * batch size of telemetry messages, in transactions of about that size, each envelope acknowledged once the
     * transaction holding its messages committed.
     */
    private void write(JetStreamSubscription sub, List<Message> pulled) {
        List<Message> envelopes = new ArrayList<>();
        List<List<TelemetryMessage>> contents = new ArrayList<>();
        int count = read(pulled, envelopes, contents);
        int last = pulled.size();
        while (count < props.writerBatchSize() && last == PULL) {
            List<Message> more = sub.fetch(PULL, Duration.ofMillis(5));
            last = more.size();
            count += read(more, envelopes, contents);
        }
        List<TelemetryMessage> chunk = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < envelopes.size(); i++) {
            chunk.addAll(contents.get(i));
            if (chunk.size() >= props.writerBatchSize() || i == envelopes.size() - 1) {
                store.write(chunk); // a failure leaves them unacknowledged: delivered again after ack-wait
                envelopes.subList(from, i + 1).forEach(Message::ack);
                chunk.clear();
                from = i + 1;
            }
        }
    }

    /** Reads envelopes (a JSON array of messages, or one message alone) into the lists; returns the messages read. */
    private int read(List<Message> pulled, List<Message> envelopes, List<List<TelemetryMessage>> contents) {
        int count = 0;
        for (Message m : pulled) {
            if (m.metaData().deliveredCount() > 1) {
                metrics.redelivered();
            }
            try {
                byte[] data = m.getData();
                List<TelemetryMessage> read = data.length > 0 && data[0] == '['
                        ? List.of(json.readValue(data, TelemetryMessage[].class))
                        : List.of(json.readValue(data, TelemetryMessage.class));
                envelopes.add(m);
                contents.add(read);
                count += read.size();
            } catch (RuntimeException e) {
                log.warn("telemetry stream message {} is not a telemetry envelope; terminated", m.getSID());
                m.term();
            }
        }
        return count;
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
