package io.fleetkeeper.cluster.internal;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.ClusterMessage;
import io.fleetkeeper.cluster.ClusterMessage.Invalidate;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster bus over one Redis pub/sub channel. A message goes to this node's handlers at once, on the
 * caller's thread, as with {@link LocalClusterBus}; it goes to the other nodes through Redis, where each
 * hands it to its handlers on one bus thread, in arrival order. Delivery is best effort and at most once:
 * what is published while Redis is unreachable is dropped (with one warning per outage), never queued,
 * and {@link #publish} never blocks or throws. Lettuce reconnects (and subscribes again) by itself; a
 * first connection that fails is retried here with a growing pause. When a dropped link comes back, this node
 * hands its own handlers an {@link Invalidate} of {@link Invalidate#ALL} caches: what it missed meanwhile (a
 * revocation on another node) must not be answered from memory. Public for the cross-node tests of the
 * features that rely on the bus (the credential caches); production code uses {@link ClusterBus}.
 */
public final class RedisClusterBus implements ClusterBus, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisClusterBus.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final long MAX_RETRY_MS = 30_000;
    /** The origin of the invalidation a node sends itself when its link to Redis comes back. */
    static final String LINK_RESTORED = "redis-link-restored";

    private final String nodeId = UUID.randomUUID().toString();
    private final String channel;
    private final String endpoint;
    private final RedisURI uri;
    private final RedisClient client;
    private final ClusterCodec codec = new ClusterCodec();
    private final List<Consumer<ClusterMessage>> handlers = new CopyOnWriteArrayList<>();
    /** Delivers remote messages in arrival order, off Lettuce's network threads. */
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("cluster-bus").daemon().factory());
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("cluster-bus-connect").daemon().factory());
    private final AtomicBoolean dropWarned = new AtomicBoolean();
    private final AtomicBoolean linkWasDown = new AtomicBoolean();
    private volatile StatefulRedisConnection<String, String> publisher;
    private volatile StatefulRedisPubSubConnection<String, String> subscriber;
    private volatile boolean closed;

    /**
     * Connects to {@code url} (waiting at most a few seconds; on failure it keeps trying in the background)
     * and subscribes to {@code channel}.
     */
    public RedisClusterBus(String url, String channel) {
        this.channel = channel;
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(COMMAND_TIMEOUT);
        // Host and port only: the URL may carry a password.
        this.endpoint = uri.getHost() + ":" + uri.getPort();
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                .build());
        client.addListener(new LinkLogger());
        connect(1000);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public void publish(ClusterMessage message) {
        String text;
        try {
            text = codec.encode(nodeId, message);
        } catch (RuntimeException e) {
            log.error("cluster bus: cannot encode {}", message.getClass().getSimpleName(), e);
            return;
        }
        deliver(message);
        if (closed) {
            return; // shutting down: this node only
        }
        StatefulRedisConnection<String, String> c = publisher;
        if (c == null || !c.isOpen()) {
            dropped(null);
            return;
        }
        try {
            c.async().publish(channel, text).whenComplete((receivers, error) -> {
                if (error != null) {
                    dropped(error);
                }
            });
        } catch (RuntimeException e) {
            dropped(e);
        }
    }

    @Override
    public void subscribe(Consumer<ClusterMessage> handler) {
        handlers.add(handler);
    }

    /** Whether both links to Redis are up (for tests and health). */
    public boolean connected() {
        var p = publisher;
        var s = subscriber;
        return p != null && p.isOpen() && s != null && s.isOpen();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        retries.shutdownNow();
        closeQuietly(subscriber);
        closeQuietly(publisher);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        dispatcher.shutdown();
    }

    private void connect(long retryMs) {
        if (closed) {
            return;
        }
        try {
            if (subscriber == null) {
                StatefulRedisPubSubConnection<String, String> s = client.connectPubSub(StringCodec.UTF8, uri);
                s.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String ch, String text) {
                        received(text);
                    }
                });
                s.sync().subscribe(channel);
                subscriber = s;
            }
            if (publisher == null) {
                publisher = client.connect(StringCodec.UTF8, uri);
            }
            log.info("cluster bus: connected to Redis at {}, channel {}, node {}", endpoint, channel, nodeId);
        } catch (RuntimeException e) {
            if (closed) {
                return;
            }
            log.warn("cluster bus: cannot reach Redis at {} ({}); trying again in {} ms; until then revocations "
                    + "reach only this node", endpoint, e.getMessage(), retryMs);
            long next = Math.min(retryMs * 2, MAX_RETRY_MS);
            retries.schedule(() -> connect(next), retryMs, TimeUnit.MILLISECONDS);
        }
    }

    private void received(String text) {
        ClusterCodec.Envelope e;
        try {
            e = codec.decode(text);
        } catch (RuntimeException ex) {
            log.warn("cluster bus: skipping a message that is not valid JSON ({} chars)", text.length());
            return;
        }
        if (e == null || nodeId.equals(e.node())) {
            return; // unknown to this version, or our own (already delivered when published)
        }
        try {
            dispatcher.execute(() -> deliver(e.message()));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // shutting down
        }
    }

    private void deliver(ClusterMessage message) {
        for (Consumer<ClusterMessage> h : handlers) {
            try {
                h.accept(message);
            } catch (RuntimeException e) {
                log.error("cluster bus: handler failed on {}", message.getClass().getSimpleName(), e);
            }
        }
    }

    private void dropped(Throwable error) {
        if (dropWarned.compareAndSet(false, true)) {
            log.warn("cluster bus: Redis at {} is unreachable ({}); messages to other nodes are dropped until it "
                    + "is back", endpoint, error == null ? "not connected" : error.getMessage());
        }
    }

    private static void closeQuietly(StatefulRedisConnection<?, ?> c) {
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
    }

    /** Logs the link going down and coming back (Lettuce reconnects by itself). */
    private final class LinkLogger implements RedisConnectionStateListener {

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            dropWarned.set(false);
            if (linkWasDown.compareAndSet(true, false)) {
                // What other nodes published while the link was down never reached this node: its caches may
                // hold credentials revoked meanwhile. Drop them all; the next authentication reads the store.
                log.info("cluster bus: link to Redis at {} is back; cached credentials dropped", endpoint);
                try {
                    dispatcher.execute(() -> deliver(new Invalidate(LINK_RESTORED, Invalidate.ALL, null)));
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // shutting down
                }
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (!closed && subscriber != null) {
                linkWasDown.set(true);
                log.warn("cluster bus: link to Redis at {} dropped; reconnecting", endpoint);
            }
        }
    }
}
