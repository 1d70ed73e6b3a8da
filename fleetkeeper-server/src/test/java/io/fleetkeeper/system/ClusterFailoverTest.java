package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestPostgres;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Three server processes on one PostgreSQL database (a schema of their own, dropped afterwards), a Redis and a NATS
 * JetStream server of the test's own, behind HAProxy with the repository's configuration. Devices over MQTT/TLS
 * report their shadows and send telemetry at QoS 1, an operator patches desired state and creates commands,
 * devices enroll over EST, and a job rolls out at a rate, all through HAProxy. Then, under that load:
 * <ol>
 *   <li>the node holding the job's lease is killed with SIGKILL: every device it held reconnects to another node,
 *       the job moves on without repeating or skipping a device, a suspension right after the kill closes the
 *       device's new session wherever it is, and the restarted node takes its share again;</li>
 *   <li>Redis is killed and restarted: a device suspended while it was down is refused by every node afterwards
 *       (no stale cached credential);</li>
 *   <li>NATS is killed and restarted: telemetry flows again.</li>
 * </ol>
 * At the end, everything the platform acknowledged (shadow versions, desired values, commands, results, telemetry,
 * certificates) is there. Times are measured and printed (reconnection p50/p99/max, lease takeover, session
 * close); the assertions on them are generous bounds that hold on a loaded two-core machine, the figures go to
 * docs/benchmarks.md. Runs by default; skipped, with a message, without HAProxy, redis-server, nats-server or
 * PostgreSQL; {@code -Dfleetkeeper.cluster.devices=N} changes the number of MQTT devices (150 by default) and
 * {@code -Dfleetkeeper.cluster.connecting=N} how many connect at once (16).
 */
class ClusterFailoverTest {

    private static final int DEVICES = Integer.getInteger("fleetkeeper.cluster.devices", 150);
    /** Devices whose TLS handshake and CONNECT may be in flight at once while the fleet connects. */
    private static final int CONNECTING = Integer.getInteger("fleetkeeper.cluster.connecting", 16);
    private static final Duration LEASE_TTL = Duration.ofSeconds(5);
    private static final Duration TICK = Duration.ofSeconds(1);
    /** A node starts in about 15 s on an idle two-core machine; with three of them and other work, minutes. */
    private static final Duration NODE_READY_WITHIN = Duration.ofMinutes(6);
    private static final String SCHEMA = "fk_cluster_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    /** Where some devices connect from; the nodes see HAProxy's 127.0.0.1 unless the PROXY header tells them. */
    private static final String DEVICE_ADDRESS = "127.0.0.3";
    private static final String PROBE_ADDRESS = "127.0.0.2";

    private static final List<Node> nodes = new ArrayList<>();
    private static HaProxy haproxy;
    private static Daemon redis;
    private static Daemon nats;
    private static String[] common;

    /** One node: its data directory, its three ports, and the process running now. */
    private static final class Node {
        final String name;
        final Path dir;
        final int http = ServerProcess.freePortUnchecked();
        final int mqtt = ServerProcess.freePortUnchecked();
        final int device = ServerProcess.freePortUnchecked();
        ServerProcess process;

        Node(String name, Path dir) {
            this.name = name;
            this.dir = dir;
        }

        Node start() throws Exception {
            // C1 only: three JVMs compiling with C2 while they start would take the cores the others need.
            process = new ServerProcess(dir, http).readyWithin(NODE_READY_WITHIN)
                    .jvmOptions("-XX:TieredStopAtLevel=1").start(with(common, "--fleetkeeper.mqtt.port=" + mqtt,
                    "--fleetkeeper.device-api.port=" + device));
            return this;
        }

        /** Lines of this node's current log that contain {@code text}. */
        long logged(String text) throws IOException {
            return Files.readAllLines(process.log()).stream().filter(l -> l.contains(text)).count();
        }

        String leaseHolder() throws IOException {
            String line = Files.readAllLines(process.log()).stream()
                    .filter(l -> l.contains("leases: this node holds leases as ")).findFirst().orElseThrow();
            return line.substring(line.lastIndexOf(' ') + 1).trim();
        }
    }

    @BeforeAll
    static void cluster() throws Exception {
        for (Path binary : List.of(HaProxy.BINARY, Daemon.REDIS, Daemon.NATS)) {
            if (!Files.isExecutable(binary)) {
                skip("no " + binary + " (Debian packages haproxy, redis-server, nats-server)");
            }
        }
        try (Connection c = TestPostgres.connect()) {
            c.createStatement().execute("CREATE SCHEMA " + SCHEMA);
        } catch (SQLException e) {
            skip("no PostgreSQL at " + TestPostgres.URL + " (" + e.getMessage() + ")");
        }
        long startedAt = System.nanoTime();
        redis = Daemon.redis().start();
        nats = Daemon.nats(Files.createTempDirectory("fleetkeeper-cluster-nats")).start();
        byte[] masterKey = new byte[32];
        ThreadLocalRandom.current().nextBytes(masterKey);
        common = new String[] {"--fleetkeeper.db.url=" + TestPostgres.url(SCHEMA),
                "--fleetkeeper.db.username=" + TestPostgres.USER,
                "--fleetkeeper.pki.master-key=" + Base64.getEncoder().encodeToString(masterKey),
                "--fleetkeeper.redis.url=" + redis.url("redis"), "--fleetkeeper.nats.url=" + nats.url("nats"),
                "--fleetkeeper.mqtt.proxy-protocol-from=127.0.0.1", "--fleetkeeper.device-api.proxy-protocol-from=127.0.0.1",
                "--fleetkeeper.jobs.lease-ttl=" + LEASE_TTL.toSeconds() + "s",
                "--fleetkeeper.jobs.tick-interval=" + TICK.toSeconds() + "s",
                "--logging.level.io.fleetkeeper.store=INFO", "--logging.level.io.fleetkeeper.cluster=INFO"};
        Path dirs = Files.createTempDirectory("fleetkeeper-cluster");
        for (int i = 1; i <= 3; i++) {
            nodes.add(new Node("node" + i, Files.createDirectory(dirs.resolve("node" + i))));
        }
        // All three at once: Flyway migrates under PostgreSQL's advisory lock and the platform CA is created by
        // insert-if-absent, so concurrent first starts are safe (and what a cluster's first boot does anyway).
        try (ExecutorService starting = Executors.newFixedThreadPool(nodes.size())) {
            List<java.util.concurrent.Future<Node>> all = nodes.stream().map(n -> starting.submit(n::start)).toList();
            for (var f : all) {
                f.get();
            }
        }
        System.out.printf("cluster: three nodes ready %d s after the start%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt));
        haproxy = new HaProxy(nodes.stream().map(n -> new int[] {n.http, n.mqtt, n.device}).toList());
        for (Node n : nodes) {
            for (String backend : List.of("management_nodes", "mqtt_nodes", "device_nodes")) {
                haproxy.awaitStatus(backend, n.name, "UP", Duration.ofSeconds(60));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (haproxy != null) {
            haproxy.close();
        }
        try (ExecutorService stopping = Executors.newFixedThreadPool(nodes.size())) {
            for (Node n : nodes) {
                if (n.process != null) {
                    stopping.submit(() -> {
                        n.process.stop();
                        return null;
                    });
                }
            }
        }
        for (Daemon d : new Daemon[] {redis, nats}) {
            if (d != null) {
                d.close();
            }
        }
        try (Connection c = TestPostgres.connect()) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        } catch (SQLException ignored) {
            // nothing was created
        }
    }

    @Test
    void killingTheNodeThatHoldsTheJobLosesNothingAcknowledged() throws Exception {
        Api api = new Api(haproxy.httpPort);
        JsonNode created = api.post(ServerProcess.PLATFORM_TOKEN, "/api/v1/operator/tenants",
                Map.of("name", "cluster-" + UUID.randomUUID())).expect(201);
        TestTenant tenant = new TestTenant(created.path("id").asString(), created.path("name").asString(),
                created.path("admin_token").path("token").asString(),
                created.path("admin_token").path("id").asString());
        String admin = tenant.admin();
        MqttDevices keys = new MqttDevices(api);
        keys.cas(tenant); // a root and an issuing CA: EST issues from the tenant's CA
        TrustManagerFactory trust = keys.trustManagers();
        List<SimulatedDevice> devices = connectDevices(keys, tenant, trust);
        // Suspended while Redis is down; of another type, so the job (over the sensors) does not target it.
        String outageId = api.post(admin, "/api/v1/devices", Map.of("name", "outage", "device_type", "meter"))
                .expect(201).path("id").asString();
        MqttDevices.KeyDevice outage = new MqttDevices.KeyDevice(tenant, outageId, api.post(admin, "/api/v1/devices/"
                + outageId + "/device-key/rotate", Map.of()).expect(200).path("device_key").asString(), keys.caFile());
        Await.until(Duration.ofSeconds(30), "the node sees the device's own address (PROXY protocol)",
                () -> api.get(admin, "/api/v1/devices/" + devices.getFirst().id + "/connection").expect(200)
                        .path("remote_address").asString(""), a -> a.startsWith(DEVICE_ADDRESS + ":"));

        // The job: one command per device, all devices over about 30 s (the kill comes in the middle).
        String jobId = api.post(admin, "/api/v1/jobs", Map.of("name", "rollout",
                "target", Map.of("query", "type = \"sensor\""),
                "operation", Map.of("type", "command", "name", "update", "payload", Map.of("to", "2.0")),
                "rollout", Map.of("max_per_minute", DEVICES * 2), "timeout_seconds", 300)).expect(201)
                .path("id").asString();

        Load load = new Load(api, admin, devices, new TlsClient(api, haproxy.devicePort));
        load.start();
        Await.until(Duration.ofSeconds(60), "a quarter of the job started", () -> started(api, admin, jobId),
                n -> n >= DEVICES / 4);

        // SIGKILL the node holding the job's lease.
        String holder = leaseHolder(jobId);
        Node victim = nodes.stream().filter(n -> holderOf(n).equals(holder)).findFirst().orElseThrow();
        long startedBefore = started(api, admin, jobId);
        int held = haproxy.current("mqtt_nodes", victim.name); // the device sessions HAProxy passes to it now
        long killedAt = System.nanoTime();
        victim.process.kill();
        System.out.printf("cluster: killed %s (job lease holder, %d device sessions) with %d of %d executions"
                + " started%n", victim.name, held, startedBefore, DEVICES);

        // Every device it held reconnects through HAProxy to a surviving node. The target is 10 s (printed, and
        // in docs/benchmarks.md); what is asserted is that every one is back within a bound that holds on a
        // loaded two-core machine running three nodes, HAProxy and the load.
        List<SimulatedDevice> dropped = Await.until(Duration.ofSeconds(60), "the dropped devices reconnected",
                () -> devices.stream().filter(d -> d.disconnectedAfter(killedAt) != null).toList(),
                list -> list.size() >= held
                        && list.stream().allMatch(d -> d.connectedAfter(d.disconnectedAfter(killedAt)) != null));
        List<Long> reconnectMillis = dropped.stream().map(d -> TimeUnit.NANOSECONDS.toMillis(
                d.connectedAfter(d.disconnectedAfter(killedAt)) - killedAt)).sorted().toList();
        System.out.printf("cluster: %d of %d devices dropped; reconnected after the kill in p50 %d ms, p99 %d ms,"
                + " max %d ms%n", dropped.size(), devices.size(), pct(reconnectMillis, 50), pct(reconnectMillis, 99),
                reconnectMillis.getLast());
        assertThat(dropped).as("the killed node held devices").isNotEmpty();
        if (reconnectMillis.getLast() > 10_000) {
            System.out.printf("cluster: NOTE slowest reconnection %d ms is over the 10 s target%n",
                    reconnectMillis.getLast());
        }

        // The job moves to another node within its lease TTL.
        long resumedAt = Await.until(Duration.ofSeconds(30), "another node took the job's lease", () -> {
            String now = leaseHolder(jobId);
            return now != null && !now.equals(holder) ? System.nanoTime() : null;
        }, t -> t != null);
        long takeoverMillis = TimeUnit.NANOSECONDS.toMillis(resumedAt - killedAt);
        System.out.printf("cluster: job lease taken over %d ms after the kill (lease TTL %d s)%n", takeoverMillis,
                LEASE_TTL.toSeconds());
        if (takeoverMillis > LEASE_TTL.plus(TICK).toMillis()) {
            System.out.printf("cluster: NOTE lease takeover %d ms is over the lease TTL plus a tick (%d ms)%n",
                    takeoverMillis, LEASE_TTL.plus(TICK).toMillis());
        }
        assertThat(takeoverMillis).as("lease takeover after the kill, ms (the lease TTL plus a tick is the target;"
                + " the bound leaves room for a machine at load averages over 30)").isLessThan(60_000);

        // A suspension right after the kill closes the session wherever the device is now.
        SimulatedDevice revoked = dropped.stream().filter(d -> !jobCommands(d, jobId).isEmpty()).findFirst()
                .orElseThrow(); // one that has its job command already, so the job does not wait for it
        long suspendAt = System.nanoTime();
        api.post(admin, "/api/v1/devices/" + revoked.id + "/suspend", null).expect(200);
        long answeredAt = System.nanoTime(); // the suspension is committed and acknowledged to the operator
        long closedAt = Await.until(Duration.ofSeconds(10), "the suspended device's session closed",
                () -> revoked.disconnectedAfter(suspendAt), t -> t != null);
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(closedAt - answeredAt);
        System.out.printf("cluster: suspend %d ms after the kill: session closed %d ms after the request was sent,"
                + " %d ms after the answer%n", TimeUnit.NANOSECONDS.toMillis(suspendAt - killedAt),
                TimeUnit.NANOSECONDS.toMillis(closedAt - suspendAt), closeMillis);
        if (closeMillis > 1000) {
            System.out.printf("cluster: NOTE session closed %d ms after the answer, over the 1 s target%n", closeMillis);
        }
        assertThat(closeMillis).as("suspension answered to session closed, ms").isLessThan(5000);

        // The killed node restarts on its data and address and takes its share again.
        long restartAt = System.nanoTime();
        victim.start();
        for (String backend : List.of("management_nodes", "mqtt_nodes", "device_nodes")) {
            haproxy.awaitStatus(backend, victim.name, "UP", Duration.ofSeconds(60));
        }
        Await.until(Duration.ofSeconds(10), victim.name + " answers through HAProxy",
                () -> victim.name.equals(api.get(admin, "/api/v1/devices?limit=1").header("X-Fleetkeeper-Node")));
        List<SimulatedDevice> late = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MqttDevices.KeyDevice k = keys.keyDevice(tenant, "late-" + i);
            SimulatedDevice d = new SimulatedDevice(k.id(), k.key(), "localhost", haproxy.mqttPort, trust);
            d.connect().get(20, TimeUnit.SECONDS);
            late.add(d);
        }
        assertThat(haproxy.current("mqtt_nodes", victim.name)).as("new MQTT connections on the restarted node")
                .isPositive();
        System.out.printf("cluster: %s restarted and serving through HAProxy %d ms after its start%n", victim.name,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartAt));

        // Every targeted device gets its job command exactly once.
        Await.until(Duration.ofSeconds(120), "every device received its job command",
                () -> devices.stream().filter(d -> jobCommands(d, jobId).isEmpty()).count(), n -> n == 0);

        redisRestartLeavesNoStaleCredential(api, admin, outage, trust);
        natsRestartLosesNoTelemetry(devices);

        // The load stops: once its threads have ended, every acknowledgement a client got is in its log.
        load.stop();
        late.forEach(SimulatedDevice::stop);
        devices.forEach(SimulatedDevice::stop);

        assertJob(api, admin, jobId, devices);
        assertShadows(api, admin, devices);
        load.assertAcknowledgedWritesPresent(killedAt);
        assertTelemetryStored(api, admin, devices);
    }

    /**
     * Every node has the outage device's key in its cache; Redis dies, the device is suspended (the other nodes
     * cannot hear of it), Redis comes back: no node lets the device in.
     */
    private static void redisRestartLeavesNoStaleCredential(Api api, String admin, MqttDevices.KeyDevice outage,
            TrustManagerFactory trust) throws Exception {
        for (Node n : nodes) {
            assertThat(connectsDirectly(n, outage, trust)).as("the outage device connects to " + n.name).isTrue();
        }
        long killedAt = System.nanoTime();
        redis.kill();
        for (Node n : nodes) {
            Await.until(Duration.ofSeconds(30), n.name + " saw its link to Redis drop",
                    () -> n.logged("link to Redis at") > 0 && n.logged("dropped; reconnecting") > 0);
        }
        api.post(admin, "/api/v1/devices/" + outage.id() + "/suspend", null).expect(200);
        redis.start();
        for (Node n : nodes) {
            Await.until(Duration.ofSeconds(30), n.name + " has its link to Redis back",
                    () -> n.logged("is back; cached credentials dropped") > 0);
        }
        System.out.printf("cluster: Redis killed and restarted; every node linked again %d ms after the kill%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
        for (Node n : nodes) {
            assertThat(connectsDirectly(n, outage, trust)).as("the device suspended while Redis was down connects"
                    + " to " + n.name + " after Redis is back").isFalse();
        }
    }

    /**
     * NATS dies under load (telemetry cannot be made durable: no PUBACK meanwhile) and comes back: telemetry is
     * acknowledged again.
     */
    private static void natsRestartLosesNoTelemetry(List<SimulatedDevice> devices) throws Exception {
        long killedAt = System.nanoTime();
        nats.kill();
        // Longer than the devices' 5 s between messages: every device has tried and none was acknowledged.
        Await.until(Duration.ofSeconds(30), "no telemetry acknowledged for 8 s while NATS is down",
                () -> System.nanoTime() - devices.stream().flatMap(d -> d.telemetryAcked.values().stream())
                        .mapToLong(Long::longValue).max().orElse(0) > TimeUnit.SECONDS.toNanos(8));
        long restartAt = System.nanoTime();
        nats.start();
        long flowingAt = Await.until(Duration.ofSeconds(60), "telemetry acknowledged after NATS is back",
                () -> devices.stream().flatMap(d -> d.telemetryAcked.values().stream()).filter(t -> t > restartAt)
                        .findAny().orElse(null), t -> t != null);
        System.out.printf("cluster: NATS killed, down %d ms; telemetry acknowledged again %d ms after its restart%n",
                TimeUnit.NANOSECONDS.toMillis(restartAt - killedAt),
                TimeUnit.NANOSECONDS.toMillis(flowingAt - restartAt));
    }

    /** Every telemetry message a device was told was taken (PUBACK) is stored, once. */
    private static void assertTelemetryStored(Api api, String admin, List<SimulatedDevice> devices) {
        long start = System.nanoTime();
        long acked = 0;
        for (SimulatedDevice d : devices) {
            Set<String> expected = d.telemetryAcked.keySet();
            acked += expected.size();
            List<String> stored = Await.until(Duration.ofSeconds(60), "the acknowledged telemetry of " + d.id
                    + " stored", () -> storedTelemetry(api, admin, d.id), ids -> ids.containsAll(expected));
            assertThat(stored).as("telemetry of " + d.id + " stored once").doesNotHaveDuplicates();
        }
        System.out.printf("cluster: %d acknowledged telemetry messages all stored (checked in %d ms)%n", acked,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertThat(acked).as("telemetry acknowledged").isPositive();
    }

    private static List<String> storedTelemetry(Api api, String admin, String device) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(admin, "/api/v1/devices/" + device + "/telemetry?limit=1000"
                    + (cursor == null ? "" : "&cursor=" + cursor)).expect(200);
            page.path("items").forEach(p -> ids.add(p.path("msg_id").asString()));
            cursor = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
        } while (cursor != null);
        return ids;
    }

    /**
     * Whether {@code node} itself (not HAProxy) lets the device in with its key; disconnects at once. From an
     * address the nodes take no PROXY header from.
     */
    private static boolean connectsDirectly(Node node, MqttDevices.KeyDevice k, TrustManagerFactory trust) {
        var client = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier(k.id()) // the client id must be the device id
                .transportConfig().serverHost("localhost").serverPort(node.mqtt).localAddress(PROBE_ADDRESS)
                .sslConfig().trustManagerFactory(trust).applySslConfig().applyTransportConfig()
                .simpleAuth().username(k.id()).password(k.key().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .applySimpleAuth().buildBlocking();
        try {
            client.connect();
            client.disconnect();
            return true;
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException refused) {
            return false;
        }
    }

    private static List<SimulatedDevice> connectDevices(MqttDevices keys, TestTenant tenant, TrustManagerFactory trust)
            throws Exception {
        List<SimulatedDevice> devices = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<MqttDevices.KeyDevice>> made = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                int n = i;
                made.add(pool.submit(() -> keys.keyDevice(tenant, "d" + n)));
            }
            for (var f : made) {
                MqttDevices.KeyDevice k = f.get();
                // Every tenth device connects from another loopback address: HAProxy passes it on in the PROXY header.
                devices.add(new SimulatedDevice(k.id(), k.key(), "localhost", haproxy.mqttPort, trust,
                        devices.size() % 10 == 0 ? DEVICE_ADDRESS : null));
            }
        }
        // Paced: at most CONNECTING handshakes in flight, as a fleet's jittered back-off spreads them. A node closes
        // a connection whose TLS handshake and CONNECT take longer than its connect timeout (10 s); with every
        // handshake sharing two loaded cores at once, each would take longer the more there are.
        long start = System.nanoTime();
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(CONNECTING);
        List<CompletableFuture<?>> connecting = new ArrayList<>();
        long deadline = start + TimeUnit.SECONDS.toNanos(120);
        try {
            for (SimulatedDevice d : devices) {
                if (!inFlight.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    throw new java.util.concurrent.TimeoutException();
                }
                connecting.add(d.connect().whenComplete((r, e) -> inFlight.release()));
            }
            CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new))
                    .get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(devices.stream().filter(d -> !d.connected()).count() + " of " + devices.size()
                    + " devices not connected through HAProxy after 120 s; " + diagnosis(devices), e);
        }
        System.out.printf("cluster: %d devices connected through HAProxy in %d ms (at most %d connecting at once)%n",
                devices.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), CONNECTING);
        return devices;
    }

    /** What the devices, HAProxy and the nodes saw: for a failure message. */
    private static String diagnosis(List<SimulatedDevice> devices) {
        StringBuilder b = new StringBuilder();
        b.append("devices: ").append(devices.stream().filter(d -> d.connects.isEmpty()).count())
                .append(" never connected, disconnections ").append(devices.stream().mapToInt(d -> d.disconnects.size()).sum())
                .append("; last errors ").append(devices.stream().map(d -> d.lastError).filter(java.util.Objects::nonNull)
                        .map(Object::toString).distinct().limit(5).toList());
        for (Node n : nodes) {
            b.append("\n").append(n.name).append(": ");
            try {
                b.append("mqtt_nodes sessions ").append(haproxy.current("mqtt_nodes", n.name)).append(", ");
                String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + n.http + "/actuator/prometheus")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                metrics.lines().filter(l -> l.startsWith("fleetkeeper_mqtt_")).forEach(l -> b.append(l).append("; "));
            } catch (Exception e) {
                b.append(e);
            }
        }
        return b.toString();
    }

    /** One execution per targeted device, its command the only one of the job the device received. */
    private static void assertJob(Api api, String admin, String jobId, List<SimulatedDevice> devices) {
        Map<String, JsonNode> executions = new HashMap<>();
        String cursor = null;
        do {
            JsonNode page = api.get(admin, "/api/v1/jobs/" + jobId + "/executions?limit=500"
                    + (cursor == null ? "" : "&cursor=" + cursor)).expect(200);
            for (JsonNode e : page.path("items")) {
                assertThat(executions.put(e.path("device_id").asString(), e)).as("one execution per device").isNull();
            }
            cursor = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
        } while (cursor != null);
        assertThat(executions).hasSize(devices.size());
        Map<String, Long> byStatus = new HashMap<>();
        for (SimulatedDevice d : devices) {
            JsonNode e = executions.get(d.id);
            assertThat(e).as("execution of " + d.id).isNotNull();
            assertThat(jobCommands(d, jobId)).as("job commands device " + d.id + " received")
                    .containsExactly(e.path("command_id").asString());
            byStatus.merge(e.path("status").asString(), 1L, Long::sum);
        }
        System.out.println("cluster: job executions by status " + byStatus);
    }

    /** The final shadow holds at least the newest version each device was told was accepted. */
    private static void assertShadows(Api api, String admin, List<SimulatedDevice> devices) {
        int reported = 0;
        for (SimulatedDevice d : devices) {
            JsonNode shadow = api.get(admin, "/api/v1/devices/" + d.id + "/shadow").expect(200);
            long version = shadow.path("version").asLong();
            assertThat(version).as("shadow version of " + d.id).isGreaterThanOrEqualTo(d.acceptedVersion());
            if (version == d.acceptedVersion()) {
                assertThat(shadow.path("state").path("reported").path("seq").asLong()).as("seq of " + d.id)
                        .isEqualTo(d.acceptedSeq());
            }
            reported += d.acceptedVersion() > 0 ? 1 : 0;
        }
        assertThat(reported).as("devices with an accepted report").isEqualTo(devices.size());
    }

    private static List<String> jobCommands(SimulatedDevice d, String jobId) {
        return d.commands.entrySet().stream().filter(e -> e.getValue().equals(jobId)).map(Map.Entry::getKey)
                .distinct().toList();
    }

    /** Executions of the job started so far; -1 when the answer took longer than the client waits (30 s). */
    private static long started(Api api, String admin, String jobId) {
        JsonNode counts;
        try {
            counts = api.get(admin, "/api/v1/jobs/" + jobId).expect(200).path("progress").path("counts");
        } catch (UncheckedIOException slow) {
            System.out.println("cluster: NOTE GET /api/v1/jobs/{id} unanswered: " + slow.getCause());
            return -1;
        }
        long n = 0;
        for (String s : List.of("IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED")) {
            n += counts.path(s).asLong();
        }
        return n;
    }

    static String estToken(Api api, String admin) {
        return api.post(admin, "/api/v1/claim-tokens", Map.of("label", "est", "device_type", "meter",
                "max_uses", 10_000, "expires_at", Instant.now().plus(Duration.ofDays(1)).toString()))
                .expect(201).path("token").asString();
    }

    private static String leaseHolder(String jobId) throws SQLException {
        try (Connection c = TestPostgres.connect();
                PreparedStatement s = c.prepareStatement("SELECT lease_holder FROM " + SCHEMA
                        + ".jobs WHERE CAST(id AS text) = ?")) {
            s.setString(1, jobId);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    private static String holderOf(Node n) {
        try {
            return n.leaseHolder();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static String[] with(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    /** Skips the test class, saying why on the console too (an aborted class shows as 0 tests run). */
    private static void skip(String why) {
        System.out.println("SKIPPED: cluster failover test: " + why);
        assumeThat(false).as(why + " (needed by the cluster failover test)").isTrue();
    }

    /**
     * The operators' and enrolling devices' side of the load, through HAProxy, with what they were told: desired
     * patches answered 200 (with the value written), commands created (201), certificates issued over EST.
     */
    private static final class Load {
        private final Api api;
        private final String admin;
        private final List<SimulatedDevice> devices;
        private final TlsClient est;
        private String claimToken;
        private final ScheduledExecutorService threads = Executors.newScheduledThreadPool(3);
        private final Map<String, Long> desired = new ConcurrentHashMap<>();
        private final Map<String, String> commands = new ConcurrentHashMap<>();
        private final Map<String, X509Certificate> certificates = new ConcurrentHashMap<>();
        private final AtomicInteger failures = new AtomicInteger();
        private final Map<String, String> firstFailure = new ConcurrentHashMap<>();

        private void failed(String what) {
            failures.incrementAndGet();
            firstFailure.putIfAbsent(Thread.currentThread().getName() + what.replaceAll("[0-9a-f-]{36}", "…"), what);
        }

        Load(Api api, String admin, List<SimulatedDevice> devices, TlsClient est) {
            this.api = api;
            this.admin = admin;
            this.devices = devices;
            this.est = est;
        }

        void start() {
            // As much as three nodes on two loaded cores keep up with while answering HAProxy's readiness
            // checks within its check time-out: with reports every 2 s and an operator write every 200 ms, at load
            // averages over 40, every node's readiness took over 10 s, HAProxy marked them all down and cut every
            // device's session.
            every(Duration.ofSeconds(5), () -> devices.forEach(d -> {
                d.report();
                d.telemetry();
            }));
            every(Duration.ofMillis(500), this::operate);
            every(Duration.ofSeconds(2), this::enroll);
        }

        void stop() {
            threads.close();
            System.out.printf("cluster: operator and EST load: %d desired patches, %d commands, %d certificates"
                    + " acknowledged; %d requests failed (not acknowledged)%n", desired.size(), commands.size(),
                    certificates.size(), failures.get());
            firstFailure.values().stream().distinct().limit(10).forEach(f -> System.out.println("cluster: failed: " + f));
        }

        /** Runs {@code step} again {@code every} after it ends, until {@link #stop}; a failure is counted. */
        private void every(Duration every, Runnable step) {
            threads.scheduleWithFixedDelay(() -> {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    failed(e.toString()); // e.g. a connection cut by the kill: the client was told nothing
                }
            }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void operate() {
            SimulatedDevice d = devices.get(ThreadLocalRandom.current().nextInt(devices.size()));
            long value = System.nanoTime();
            Reply patch = api.patch(admin, "/api/v1/devices/" + d.id + "/shadow",
                    Map.of("state", Map.of("desired", Map.of("level", value))), null);
            if (patch.status() == 200) {
                desired.merge(d.id, value, Math::max);
            } else {
                failed("PATCH shadow: " + patch.status());
            }
            Reply command = api.post(admin, "/api/v1/devices/" + d.id + "/commands", Map.of("name", "ping"));
            if (command.status() == 201) {
                commands.put(command.json().path("id").asString(), d.id);
            } else {
                failed("POST command: " + command.status());
            }
        }

        private void enroll() {
            if (claimToken == null) {
                claimToken = estToken(api, admin);
            }
            TlsClient.Enrolled e = est.simpleenroll(null, null, claimToken,
                    Csrs.csr(Csrs.p256(), "cluster-" + UUID.randomUUID(), false)); // a new device each time
            if (e.status() == 200) {
                certificates.put(e.certificate().getSerialNumber().toString(16), e.certificate());
            } else {
                failed("EST simpleenroll: " + e.status());
            }
        }

        /** Every write the operator or a device was told about is there. */
        void assertAcknowledgedWritesPresent(long killedAt) {
            for (var e : desired.entrySet()) {
                JsonNode shadow = api.get(admin, "/api/v1/devices/" + e.getKey() + "/shadow").expect(200);
                assertThat(shadow.path("state").path("desired").path("level").asLong()).as("desired of " + e.getKey())
                        .isGreaterThanOrEqualTo(e.getValue());
            }
            for (var e : commands.entrySet()) {
                api.get(admin, "/api/v1/devices/" + e.getValue() + "/commands/" + e.getKey()).expect(200);
            }
            for (SimulatedDevice d : devices) {
                for (var r : d.resultsAcked.entrySet()) {
                    if (r.getValue() < killedAt - TimeUnit.SECONDS.toNanos(1)) {
                        JsonNode c = api.get(admin, "/api/v1/devices/" + d.id + "/commands/" + r.getKey())
                                .expect(200);
                        assertThat(c.path("status").asString()).as("command " + r.getKey() + " of " + d.id)
                                .isEqualTo("SUCCEEDED");
                    }
                }
            }
            for (X509Certificate c : certificates.values()) {
                String device = java.util.Arrays.stream(c.getSubjectX500Principal().getName().split(","))
                        .filter(rdn -> rdn.startsWith("CN=")).findFirst().orElseThrow().substring(3);
                JsonNode listed = api.get(admin, "/api/v1/devices/" + device + "/certificates?limit=100").expect(200);
                assertThat(listed.path("items").valueStream().map(i -> i.path("serial").asString().toLowerCase()))
                        .as("certificates of " + device).contains(c.getSerialNumber().toString(16));
            }
            assertThat(commands).as("commands created").isNotEmpty();
            assertThat(certificates).as("certificates issued over EST through HAProxy").isNotEmpty();
        }
    }
}
