package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.NatsProperties;
import io.fleetkeeper.store.JetStreamPulls;
import io.fleetkeeper.store.Leases;
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
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Route deliveries through NATS JetStream when {@code fleetkeeper.nats.url} is set: the dispatcher publishes one
 * message per event and route to the work-queue stream {@code ROUTES} on {@code routes.{tenant}.{route}} (with
 * {@code Nats-Msg-Id} = route and event id, so a message published again after a crash is dropped), and the node
 * holding the lease {@code events-routes} consumes the durable pull consumer all nodes share, delivers each
 * message ({@link DeliveryWorker#deliverFromStream}) and acknowledges it once its outcome is in the delivery log.
 * A node that dies before acknowledging leaves the message to be delivered again by the next lease holder.
 * Without NATS nothing here runs and the dispatcher writes the delivery queue directly. Also publishes to
 * plain NATS subjects for the {@code nats} destination.
 */
@Component
public class RouteStream implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RouteStream.class);
    static final String TENANT = "Fk-Tenant";
    static final String ROUTE = "Fk-Route";
    static final String EVENT = "Fk-Event";
    static final String TYPE = "Fk-Type";
    static final String DEVICE = "Fk-Device";

    private final NatsProperties nats;
    private final EventProperties props;
    private final Leases leases;
    private volatile Connection connection;
    private volatile boolean streamReady;
    private volatile boolean running;
    private final ObjectProvider<DeliveryWorker> worker;
    private Thread consumer;

    RouteStream(NatsProperties nats, EventProperties props, Leases leases, ObjectProvider<DeliveryWorker> worker) {
        this.worker = worker;
        this.nats = nats;
        this.props = props;
        this.leases = leases;
    }

    public boolean enabled() {
        return nats.enabled();
    }

    /** Publishes deliveries to the stream and waits for every acknowledgement; false when one is missing. */
    boolean publish(List<DeliveryRepository.NewDelivery> deliveries) {
        JetStream js = jetStream();
        if (js == null) {
            return false;
        }
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(deliveries.size());
        for (DeliveryRepository.NewDelivery d : deliveries) {
            Headers h = new Headers().put(TENANT, d.tenantId().toString()).put(ROUTE, d.routeId().toString())
                    .put(EVENT, d.eventId()).put(TYPE, d.eventType())
                    .put("Content-Type", CloudEvents.CONTENT_TYPE);
            if (d.deviceId() != null) {
                h.put(DEVICE, d.deviceId().toString());
            }
            acks.add(js.publishAsync(nats.routesSubject() + "." + d.tenantId() + "." + d.routeId(), h,
                    d.body().getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().messageId(d.routeId() + ":" + d.eventId()).build()));
        }
        try {
            for (CompletableFuture<PublishAck> ack : acks) {
                ack.get(10, TimeUnit.SECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            log.warn("the route stream did not acknowledge: {}", e.toString());
            return false;
        }
    }

    /** Publishes to a plain NATS subject (the {@code nats} destination). */
    WebhookSender.Result publishTo(String subject, String body, int timeoutMs) {
        long start = System.nanoTime();
        Connection c = connected();
        if (c == null) {
            return new WebhookSender.Result(null, "NATS is not connected", 0, null);
        }
        try {
            c.publish(subject, new Headers().put("Content-Type", CloudEvents.CONTENT_TYPE),
                    body.getBytes(StandardCharsets.UTF_8));
            c.flush(Duration.ofMillis(timeoutMs));
            return new WebhookSender.Result(null, null, (System.nanoTime() - start) / 1_000_000, null);
        } catch (Exception e) {
            return new WebhookSender.Result(null, "NATS: " + e, (System.nanoTime() - start) / 1_000_000, null);
        }
    }

    private void loop() {
        JetStreamSubscription sub = null;
        while (running) {
            try {
                if (!leases.tryAcquire("events-routes", props.leaseTtl())) {
                    if (sub != null) {
                        sub.unsubscribe();
                        sub = null;
                    }
                    Thread.sleep(props.pollInterval().toMillis()); // a worker loop waiting for the lease
                    continue;
                }
                if (sub == null) {
                    sub = subscribe();
                    if (sub == null) {
                        Thread.sleep(1000);
                        continue;
                    }
                }
                List<Message> batch = JetStreamPulls.next(sub, props.batchSize(), Duration.ofMillis(500));
                if (!batch.isEmpty()) {
                    Set<DeliveryRepository.NewDelivery> again = Collections.newSetFromMap(new IdentityHashMap<>());
                    List<DeliveryRepository.NewDelivery> deliveries = new ArrayList<>(batch.size());
                    for (Message m : batch) {
                        DeliveryRepository.NewDelivery d = delivery(m);
                        deliveries.add(d);
                        if (redelivered(m)) {
                            again.add(d);
                        }
                    }
                    worker.getObject().deliverFromStream(deliveries, again::contains);
                    batch.forEach(Message::ack);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | IOException | JetStreamApiException e) {
                log.warn("route stream consumer: {}", e.toString());
                sub = null;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Whether the stream delivered the message before (to a consumer that did not acknowledge it in time). */
    static boolean redelivered(Message m) {
        try {
            return m.metaData().deliveredCount() > 1;
        } catch (RuntimeException e) {
            return true; // no JetStream metadata to go by: look in the log
        }
    }

    private static DeliveryRepository.NewDelivery delivery(Message m) {
        Headers h = m.getHeaders();
        String device = h.getFirst(DEVICE);
        return new DeliveryRepository.NewDelivery(UUID.fromString(h.getFirst(TENANT)),
                UUID.fromString(h.getFirst(ROUTE)), h.getFirst(EVENT), h.getFirst(TYPE),
                device == null ? null : UUID.fromString(device), new String(m.getData(), StandardCharsets.UTF_8));
    }

    private JetStreamSubscription subscribe() throws IOException, JetStreamApiException {
        JetStream js = jetStream();
        if (js == null) {
            return null;
        }
        connection.jetStreamManagement().addOrUpdateConsumer(nats.routesStream(), ConsumerConfiguration.builder()
                .durable(nats.routesConsumer()).ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofSeconds(60))
                .maxAckPending(props.batchSize() * 2L).build());
        return js.subscribe(null, PullSubscribeOptions.bind(nats.routesStream(), nats.routesConsumer()));
    }

    private Connection connected() {
        try {
            if (connection == null) {
                synchronized (this) {
                    if (connection == null) {
                        connection = Nats.connectReconnectOnConnect(new Options.Builder().server(nats.url())
                                .connectionTimeout(Duration.ofSeconds(2)).maxReconnects(-1).build());
                    }
                }
            }
            return connection.getStatus() == Connection.Status.CONNECTED ? connection : null;
        } catch (IOException e) {
            log.warn("NATS at {} is not usable: {}", nats.url(), e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private JetStream jetStream() {
        Connection c = connected();
        if (c == null) {
            return null;
        }
        try {
            if (!streamReady) {
                ensureStream(c.jetStreamManagement());
                streamReady = true;
            }
            return c.jetStream();
        } catch (IOException | JetStreamApiException e) {
            log.warn("the route stream {} is not usable: {}", nats.routesStream(), e.toString());
            return null;
        }
    }

    private void ensureStream(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            jsm.getStreamInfo(nats.routesStream());
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
            jsm.addStream(StreamConfiguration.builder().name(nats.routesStream())
                    .subjects(nats.routesSubject() + ".>").retentionPolicy(RetentionPolicy.WorkQueue)
                    .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(2)).build());
        }
    }

    @Override
    public synchronized void start() {
        if (enabled() && props.deliveryEnabled() && consumer == null) {
            running = true;
            consumer = Thread.ofVirtual().name("events-routes").start(this::loop);
        }
    }

    @Override
    public synchronized void stop() {
        running = false;
        Thread t = consumer;
        consumer = null;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Connection c = connection;
        connection = null;
        streamReady = false;
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
