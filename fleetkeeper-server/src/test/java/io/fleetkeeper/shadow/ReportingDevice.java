package io.fleetkeeper.shadow;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A device connected over MQTT 5 (HiveMQ client, device key) that publishes {@code shadow/update} with QoS 1 and
 * collects the {@code update/accepted} and {@code update/rejected} answers in the order they arrive.
 */
final class ReportingDevice implements AutoCloseable {

    /** One answer: accepted (the document) or rejected (the error). */
    record Reply(boolean accepted, JsonNode body) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Mqtt5BlockingClient client;
    private final String namespace;
    private final List<Reply> replies = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch expected;

    private ReportingDevice(Mqtt5BlockingClient client, String namespace, int expectedReplies) {
        this.client = client;
        this.namespace = namespace;
        this.expected = new CountDownLatch(expectedReplies);
    }

    /** Connects {@code d} and subscribes to its update answers; {@link #await} waits for {@code expectedReplies}. */
    static ReportingDevice connect(MqttDevices devices, KeyDevice d, int port, int expectedReplies) throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(port).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(bytes(d.key())).applySimpleAuth().send();
        ReportingDevice device = new ReportingDevice(c, "fk/" + d.id() + "/", expectedReplies);
        c.toAsync().subscribeWith().topicFilter(device.namespace + "shadow/update/+").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> {
                    String topic = p.getTopic().toString();
                    if (topic.endsWith("/accepted") || topic.endsWith("/rejected")) {
                        device.replies.add(new Reply(topic.endsWith("/accepted"),
                                JSON.readTree(p.getPayloadAsBytes())));
                        device.expected.countDown();
                    }
                }).send().get(10, TimeUnit.SECONDS);
        return device;
    }

    /** Publishes {@code payload} on {@code shadow/update}; returns once the server acknowledged it (PUBACK). */
    void update(String payload) {
        client.publishWith().topic(namespace + "shadow/update").qos(MqttQos.AT_LEAST_ONCE).payload(bytes(payload))
                .send();
    }

    /** True once every expected answer arrived within 30 s. */
    boolean await() throws InterruptedException {
        return expected.await(30, TimeUnit.SECONDS);
    }

    List<Reply> replies() {
        synchronized (replies) {
            return List.copyOf(replies);
        }
    }

    @Override
    public void close() {
        client.disconnect();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
