package io.fleetkeeper.system;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A device of the cluster test: an MQTT 5 client over TLS with its device key that reconnects by itself, reports
 * its shadow at QoS 1, answers every command with a result, and logs what the platform acknowledged to it: the
 * shadow versions in {@code shadow/update/accepted}, the commands it received, the results the server took, the
 * telemetry messages it was told were stored.
 */
final class SimulatedDevice {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    final String id;
    private final Mqtt5AsyncClient client;
    private final AtomicLong seq = new AtomicLong();
    /** Nano times of every connection and disconnection. */
    final List<Long> connects = new CopyOnWriteArrayList<>();
    final List<Long> disconnects = new CopyOnWriteArrayList<>();
    /** The highest shadow version the platform accepted, and the reported {@code seq} of that write. */
    private long acceptedVersion;
    private long acceptedSeq;
    /** Commands received (id → job id, "" for none) and the results the server acknowledged (id → nano time). */
    final Map<String, String> commands = new ConcurrentHashMap<>();
    final Map<String, Long> resultsAcked = new ConcurrentHashMap<>();
    /** Telemetry message ids the platform acknowledged (PUBACK with success) and when. */
    final Map<String, Long> telemetryAcked = new ConcurrentHashMap<>();
    private final AtomicLong telemetrySeq = new AtomicLong();
    private volatile boolean stopped;
    /** Why the last connection ended or failed (for a failure message). */
    volatile Throwable lastError;

    SimulatedDevice(String id, String key, String host, int port, TrustManagerFactory trust) {
        this(id, key, host, port, trust, null);
    }

    /** Connecting from {@code localAddress} (null: any). */
    SimulatedDevice(String id, String key, String host, int port, TrustManagerFactory trust, String localAddress) {
        this.id = id;
        // TLS belongs in the transport configuration: the client builder's own sslConfig() after
        // transportConfig(config) is dropped, and the client then speaks plain MQTT to a TLS port.
        var transport = com.hivemq.client.mqtt.MqttClientTransportConfig.builder().serverHost(host).serverPort(port)
                .sslConfig().trustManagerFactory(trust).applySslConfig();
        if (localAddress != null) {
            transport.localAddress(localAddress);
        }
        this.client = MqttClient.builder().useMqttVersion5().identifier(id).transportConfig(transport.build())
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .simpleAuth().username(id).password(key.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .addConnectedListener(c -> connects.add(System.nanoTime()))
                .addDisconnectedListener(c -> {
                    disconnects.add(System.nanoTime());
                    lastError = c.getCause();
                    c.getReconnector().republishIfSessionExpired(true);
                    if (stopped) {
                        c.getReconnector().reconnect(false);
                    }
                })
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, this::received);
    }

    CompletableFuture<?> connect() {
        return client.connect().thenCompose(ack -> client.subscribeWith()
                .addSubscription().topicFilter("fk/" + id + "/shadow/update/accepted").qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .addSubscription().topicFilter("fk/" + id + "/commands/+").qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription().send());
    }

    boolean connected() {
        return client.getState().isConnected();
    }

    /** Reports the next {@code seq} at QoS 1 (nothing while disconnected). */
    void report() {
        if (connected() && !stopped) {
            publish("fk/" + id + "/shadow/update", "{\"state\":{\"reported\":{\"seq\":" + seq.incrementAndGet() + "}}}");
        }
    }

    /** Sends one telemetry message at QoS 1 with its own {@code msg_id} (nothing while disconnected). */
    void telemetry() {
        if (connected() && !stopped) {
            long n = telemetrySeq.incrementAndGet();
            String msgId = id + "-" + n;
            publish("fk/" + id + "/telemetry", "{\"msg_id\":\"" + msgId + "\",\"v\":" + n + "}")
                    .thenRun(() -> telemetryAcked.put(msgId, System.nanoTime()));
        }
    }

    synchronized long acceptedVersion() {
        return acceptedVersion;
    }

    synchronized long acceptedSeq() {
        return acceptedSeq;
    }

    /** The first connection made after {@code nanos}, or null. */
    Long connectedAfter(long nanos) {
        return connects.stream().filter(t -> t > nanos).findFirst().orElse(null);
    }

    /** The first disconnection after {@code nanos}, or null. */
    Long disconnectedAfter(long nanos) {
        return disconnects.stream().filter(t -> t > nanos).findFirst().orElse(null);
    }

    void stop() {
        stopped = true;
        if (connected()) {
            client.disconnect();
        }
    }

    private void received(Mqtt5Publish p) {
        String suffix = p.getTopic().toString().substring(("fk/" + id + "/").length());
        JsonNode body = JSON.readTree(p.getPayloadAsBytes());
        if (suffix.equals("shadow/update/accepted")) {
            synchronized (this) {
                long version = body.path("version").asLong();
                if (version > acceptedVersion) {
                    acceptedVersion = version;
                    acceptedSeq = body.path("state").path("reported").path("seq").asLong();
                }
            }
        } else if (suffix.startsWith("commands/") && suffix.indexOf('/', "commands/".length()) < 0) {
            String command = body.path("id").asString();
            commands.put(command, body.path("job_id").isString() ? body.path("job_id").asString() : "");
            if (!stopped) {
                publish("fk/" + id + "/commands/" + command + "/result", "{\"status\":\"SUCCEEDED\"}")
                        .thenRun(() -> resultsAcked.putIfAbsent(command, System.nanoTime()));
            }
        }
    }

    private CompletableFuture<?> publish(String topic, String payload) {
        return client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                .thenAccept(r -> r.getError().ifPresent(e -> {
                    throw new IllegalStateException(e);
                }));
    }
}
