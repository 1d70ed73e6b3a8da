package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.OutboxEvent;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the sequenced outbox to a JetStream stream, in order, as CloudEvents on
 * {@code fk.events.{tenant}.{type}}, each with {@code Nats-Msg-Id} = the event id so JetStream drops a copy
 * sent again after a crash or a lost acknowledgement. Its cursor moves only past events JetStream acknowledged:
 * while NATS is unreachable the outbox keeps the events and they go out, in order, when it is back.
 */
public final class NatsForwarder implements AutoCloseable {

    public static final String SUBJECT_PREFIX = "fk.events.";
    private static final Logger log = LoggerFactory.getLogger(NatsForwarder.class);

    private final String url;
    private final String stream;
    private final String cursorName;
    private final OutboxRepository outbox;
    private final CloudEvents cloudEvents;
    private final int batchSize;
    private volatile Connection connection;
    private volatile boolean streamReady;
    private volatile boolean warned;

    public NatsForwarder(String url, String stream, String cursorName, OutboxRepository outbox,
            CloudEvents cloudEvents, int batchSize) {
        this.url = url;
        this.stream = stream;
        this.cursorName = cursorName;
        this.outbox = outbox;
        this.cloudEvents = cloudEvents;
        this.batchSize = batchSize;
    }

    /** The subject of an event. */
    public static String subject(OutboxEvent e) {
        return SUBJECT_PREFIX + e.tenantId() + "." + e.type();
    }

    /** Publishes the next batch; true when more events are waiting. */
    public boolean step() {
        JetStream js = jetStream();
        if (js == null) {
            return false;
        }
        long cursor = outbox.cursor(cursorName, 0);
        List<OutboxEvent> events = outbox.after(cursor, batchSize);
        if (events.isEmpty()) {
            return false;
        }
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(events.size());
        for (OutboxEvent e : events) {
            Headers headers = new Headers().put("Content-Type", CloudEvents.CONTENT_TYPE);
            acks.add(js.publishAsync(subject(e), headers, cloudEvents.envelope(e).getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().messageId(e.id()).build()));
        }
        long acked = cursor;
        for (int i = 0; i < events.size(); i++) {
            try {
                acks.get(i).get(10, TimeUnit.SECONDS);
                acked = events.get(i).seq();
            } catch (ExecutionException | TimeoutException e) {
                warnOnce("JetStream did not acknowledge event " + events.get(i).id() + ": " + e);
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (acked > cursor) {
            outbox.advance(cursorName, acked);
            warned = false;
        }
        return acked == events.getLast().seq() && events.size() == batchSize;
    }

    private JetStream jetStream() {
        try {
            if (connection == null) {
                connection = Nats.connectReconnectOnConnect(new Options.Builder().server(url)
                        .connectionTimeout(Duration.ofSeconds(2)).maxReconnects(-1).build());
            }
            if (connection.getStatus() != Connection.Status.CONNECTED) {
                warnOnce("NATS at " + url + " is not connected; events wait in the outbox");
                return null;
            }
            if (!streamReady) {
                ensureStream(connection.jetStreamManagement());
                streamReady = true;
            }
            return connection.jetStream();
        } catch (IOException | JetStreamApiException e) {
            warnOnce("NATS at " + url + " is not usable (" + e + "); events wait in the outbox");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void ensureStream(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            jsm.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
            jsm.addStream(StreamConfiguration.builder().name(stream).subjects(SUBJECT_PREFIX + ">")
                    .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(2)).build());
        }
    }

    private void warnOnce(String message) {
        if (!warned) {
            warned = true;
            log.warn(message);
        }
    }

    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
