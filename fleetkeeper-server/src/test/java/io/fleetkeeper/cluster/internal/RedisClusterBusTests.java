package io.fleetkeeper.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.cluster.ClusterMessage;
import io.fleetkeeper.cluster.ClusterMessage.Deliver;
import io.fleetkeeper.cluster.ClusterMessage.Invalidate;
import io.fleetkeeper.cluster.ClusterMessage.Kick;
import io.fleetkeeper.cluster.ClusterMessage.Takeover;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.RedisServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two nodes in one JVM on the real Redis at 127.0.0.1:6379 (skipped, visibly, without it). */
class RedisClusterBusTests {

    private static final String URL = RedisServer.URL;

    @BeforeAll
    static void redisIsThere() {
        RedisServer.assumeRunning();
    }

    private static String channel() {
        return RedisServer.channel();
    }

    static BlockingQueue<ClusterMessage> inbox(RedisClusterBus bus) {
        BlockingQueue<ClusterMessage> q = new LinkedBlockingQueue<>();
        bus.subscribe(q::add);
        return q;
    }

    @Test
    void twoNodesSeeEachOthersMessagesWithinASecondAndTheirOwnAtOnce() throws Exception {
        String channel = channel();
        try (var a = new RedisClusterBus(URL, channel); var b = new RedisClusterBus(URL, channel)) {
            assertThat(a.connected()).isTrue();
            assertThat(b.connected()).isTrue();
            assertThat(a.nodeId()).isNotEqualTo(b.nodeId());
            var inA = inbox(a);
            var inB = inbox(b);

            var kick = new Kick(a.nodeId(), UUID.randomUUID(), UUID.randomUUID(), true, null, "device suspended");
            long start = System.nanoTime();
            a.publish(kick);
            assertThat(inA.poll()).as("the sender's own handlers, at once").isEqualTo(kick);
            assertThat(inB.poll(1, TimeUnit.SECONDS)).isEqualTo(kick);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).isLessThan(1000);

            var back = new Invalidate(b.nodeId(), Invalidate.TRUST_INDEX, null);
            b.publish(back);
            assertThat(inA.poll(1, TimeUnit.SECONDS)).isEqualTo(back);
            assertThat(inB.poll()).isEqualTo(back);
            // Each message arrives once: the sender does not get its own back from Redis. Proven with markers: a
            // node's subscription delivers the channel in Redis's order, so a copy coming back would arrive before
            // a marker that the other node publishes only after it received the message.
            var fromA = new Invalidate(a.nodeId(), Invalidate.API_TOKENS, "marker-a");
            a.publish(fromA);
            assertThat(inA.poll()).isEqualTo(fromA);
            assertThat(inB.poll(1, TimeUnit.SECONDS)).as("nothing before a's marker").isEqualTo(fromA);
            var fromB = new Invalidate(b.nodeId(), Invalidate.API_TOKENS, "marker-b");
            b.publish(fromB);
            assertThat(inB.poll()).isEqualTo(fromB);
            assertThat(inA.poll(1, TimeUnit.SECONDS)).as("nothing before b's marker").isEqualTo(fromB);
        }
    }

    @Test
    void anotherChannelIsAnotherCluster() throws Exception {
        String one = channel();
        String two = channel();
        try (var a = new RedisClusterBus(URL, one); var a2 = new RedisClusterBus(URL, one);
                var b = new RedisClusterBus(URL, two); var b2 = new RedisClusterBus(URL, two)) {
            var inA2 = inbox(a2);
            var inB = inbox(b);
            var m = new Invalidate(a.nodeId(), Invalidate.API_TOKENS, null);
            a.publish(m);
            assertThat(inA2.poll(1, TimeUnit.SECONDS)).as("through Redis on the first channel").isEqualTo(m);
            // Redis has handed m to every subscriber it has; a marker published now would reach b after it.
            var marker = new Invalidate(b2.nodeId(), Invalidate.API_TOKENS, "marker");
            b2.publish(marker);
            assertThat(inB.poll(1, TimeUnit.SECONDS)).as("the marker, and nothing before it").isEqualTo(marker);
        }
    }

    @Test
    void everyMessageTypeSurvivesTheJsonRoundTrip() {
        var codec = new ClusterCodec();
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        UUID tenant = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        List<ClusterMessage> all = List.of(
                new Kick("n1", tenant, device, true, "c-7", "certificate revoked"),
                new Kick("n1", tenant, null, true, null, "tenant suspended"),
                new Takeover("n2", tenant, device, "c-8"),
                new Deliver("n3", tenant, device, "commands/reboot", payload, 1),
                new Invalidate("n4", Invalidate.API_TOKENS, UUID.randomUUID().toString()),
                new Invalidate("n4", Invalidate.TRUST_INDEX, null));
        for (ClusterMessage m : all) {
            String text = codec.encode("node-x", m);
            ClusterCodec.Envelope e = codec.decode(text);
            assertThat(e.node()).isEqualTo("node-x");
            assertThat(e.message()).as(text).usingRecursiveComparison().isEqualTo(m);
        }
        String deliver = codec.encode("node-x", all.get(3));
        assertThat(deliver).as("payload travels as base64").contains("\"AAECAwQF");
        Deliver back = (Deliver) codec.decode(deliver).message();
        assertThat(back.payload()).containsExactly(payload);
    }

    @Test
    void unknownTypesAndFieldsFromANewerNodeAreSkipped() {
        var codec = new ClusterCodec();
        assertThat(codec.decode("{\"node\":\"n\",\"type\":\"rebalance\",\"message\":{}}")).isNull();
        var e = codec.decode("{\"node\":\"n\",\"type\":\"invalidate\",\"message\":{\"origin\":\"n\","
                + "\"cache\":\"api-tokens\",\"key\":null,\"priority\":3}}");
        assertThat(e.message()).isEqualTo(new Invalidate("n", Invalidate.API_TOKENS, null));
    }

    @Test
    void publishingWhileRedisIsUnreachableNeitherThrowsNorBlocks() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        long start = System.nanoTime();
        try (var bus = new RedisClusterBus("redis://127.0.0.1:" + port, channel())) {
            long startup = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(startup).as("starting without Redis").isLessThan(5000);
            assertThat(bus.connected()).isFalse();
            var own = inbox(bus);
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                bus.publish(new Kick(bus.nodeId(), UUID.randomUUID(), UUID.randomUUID(), true, null, "x"));
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
            assertThat(own).as("this node still acts on its own messages").hasSize(1000);
        }
    }

    @Test
    void aNodeThatStartedBeforeRedisJoinsWhenItComesUp() throws Exception {
        // Simulated with a proxy port that starts refusing, then forwards to the real Redis.
        try (var proxy = new TcpProxy(6379)) {
            String channel = channel();
            try (var late = new RedisClusterBus("redis://127.0.0.1:" + proxy.port(), channel);
                    var other = new RedisClusterBus(URL, channel)) {
                assertThat(late.connected()).isFalse();
                proxy.open();
                Await.until(Duration.ofSeconds(10), "connected after the retry", late::connected);
                var inLate = inbox(late);
                var m = new Invalidate(other.nodeId(), Invalidate.DEVICE_KEYS, UUID.randomUUID().toString());
                other.publish(m);
                assertThat(inLate.poll(1, TimeUnit.SECONDS)).isEqualTo(m);
            }
        }
    }

    @Test
    void aNodeReconnectsAndSubscribesAgainAfterTheLinkDrops() throws Exception {
        try (var proxy = new TcpProxy(6379)) {
            proxy.open();
            String channel = channel();
            try (var flaky = new RedisClusterBus("redis://127.0.0.1:" + proxy.port(), channel);
                    var other = new RedisClusterBus(URL, channel)) {
                assertThat(flaky.connected()).isTrue();
                var inFlaky = inbox(flaky);
                var inOther = inbox(other);
                proxy.shut();
                // While the link is down: published messages are dropped, quickly and quietly.
                var lost = new Invalidate(flaky.nodeId(), Invalidate.TRUST_INDEX, null);
                flaky.publish(lost);
                assertThat(inFlaky.poll()).isEqualTo(lost);
                assertThat(inOther.poll()).as("the sender's own copy").isNull();
                proxy.open();
                // Lettuce reconnects with a backoff; messages flow both ways once it subscribed again.
                Await.until(Duration.ofSeconds(15), "a message after the reconnect", () -> {
                    var probe = new Invalidate(other.nodeId(), Invalidate.API_TOKENS, UUID.randomUUID().toString());
                    other.publish(probe);
                    inOther.clear();
                    return inFlaky.poll(200, TimeUnit.MILLISECONDS);
                }, Objects::nonNull);
                // and the other way: the node's publishing link reconnects on its own schedule
                var kick = new Kick(flaky.nodeId(), UUID.randomUUID(), null, true, null, "tenant suspended");
                Await.until(Duration.ofSeconds(15), "a message from the reconnected node", () -> {
                    flaky.publish(kick);
                    return inOther.poll(200, TimeUnit.MILLISECONDS);
                }, kick::equals);
            }
        }
    }

    @Test
    void aNodeWhoseLinkCameBackDropsEveryCacheItMayHaveMissedAnUpdateOf() throws Exception {
        try (var proxy = new TcpProxy(6379)) {
            proxy.open();
            String channel = channel();
            try (var flaky = new RedisClusterBus("redis://127.0.0.1:" + proxy.port(), channel);
                    var other = new RedisClusterBus(URL, channel)) {
                var inFlaky = inbox(flaky);
                var inOther = inbox(other);
                proxy.shut();
                Await.until(Duration.ofSeconds(15), "the link seen down", () -> !flaky.connected());
                assertThat(inFlaky.poll()).as("nothing while the link is down").isNull();
                proxy.open();
                var resync = new Invalidate(RedisClusterBus.LINK_RESTORED, Invalidate.ALL, null);
                Await.until(Duration.ofSeconds(15), "every cache dropped once the link is back",
                        () -> inFlaky.poll(200, TimeUnit.MILLISECONDS), resync::equals);
                assertThat(inOther).as("a node whose link stayed up drops nothing").doesNotContain(resync);
            }
        }
    }
}
