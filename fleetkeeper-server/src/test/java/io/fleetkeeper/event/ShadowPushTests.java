package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.event.internal.OutboxRelay;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The desired-shadow push goes through the outbox: a change committed while the relay is not running (as after
 * a crash between commit and send) reaches the connected device when the relay runs again.
 */
class ShadowPushTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired MqttEndpoint endpoint;
    @Autowired OutboxRelay relay;

    MqttDevices devices;
    TestTenant tenant;
    KeyDevice d;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
        d = devices.keyDevice(tenant, "valve");
    }

    @Test
    void aDesiredChangeCommittedWhileTheRelayIsDownReachesTheDeviceWhenItRuns() throws Exception {
        String delta = "fk/" + d.id() + "/shadow/update/delta";
        Mqtt5BlockingClient c = client();
        relay.stop();
        try {
            api.patch(tenant.admin(), "/api/v1/devices/" + d.id() + "/shadow",
                    Map.of("state", Map.of("desired", Map.of("open", false))), null).expect(200);
            c.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send();
            try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
                c.subscribeWith().topicFilter(delta).qos(MqttQos.AT_LEAST_ONCE).send();
                // a subscription is answered with the current delta, read on a thread of its own; with the relay
                // stopped that answer is the only sender, and once it is here nothing else sends until the relay runs
                assertThat(receive(publishes, delta, 10, false)).as("the delta answering the subscription")
                        .isPresent();
                api.patch(tenant.admin(), "/api/v1/devices/" + d.id() + "/shadow",
                        Map.of("state", Map.of("desired", Map.of("open", true))), null).expect(200);
                assertThat(receive(publishes, delta, 1, true)).as("a delta while the relay is down").isEmpty();
                relay.start();
                assertThat(receive(publishes, delta, 10, true)).as("the delta the relay pushes when it runs")
                        .isPresent();
            } finally {
                c.disconnect();
            }
        } finally {
            relay.start();
        }
    }

    @Test
    void theChangesOfOneBatchPushEachShadowOnceWithItsCurrentDelta() throws Exception {
        String classic = "fk/" + d.id() + "/shadow/update/delta";
        String named = "fk/" + d.id() + "/shadow/name/valves/update/delta";
        Mqtt5BlockingClient c = client();
        c.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(classic).qos(MqttQos.AT_LEAST_ONCE).send();
            c.subscribeWith().topicFilter(named).qos(MqttQos.AT_LEAST_ONCE).send();
            relay.stop();
            try {
                // three changes committed while the relay is down are sequenced and pushed as one batch
                patch("shadow", 1);
                patch("shadow", 2);
                patch("shadow/valves", 3);
            } finally {
                relay.start();
            }
            assertThat(next(publishes)).as("the classic shadow's current delta, once").isEqualTo(classic + " 2");
            assertThat(next(publishes)).as("the named shadow's delta").isEqualTo(named + " 3");
            patch("shadow", 4);
            assertThat(next(publishes)).as("the next delta after the batch (no second copy of the first)")
                    .isEqualTo(classic + " 4");
        } finally {
            c.disconnect();
        }
    }

    private Mqtt5BlockingClient client() throws Exception {
        return MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
    }

    private void patch(String path, int step) {
        api.patch(tenant.admin(), "/api/v1/devices/" + d.id() + "/" + path,
                Map.of("state", Map.of("desired", Map.of("step", step))), null).expect(200);
    }

    /** The next delta's topic and its {@code step}, within 10 s. */
    private static String next(Mqtt5BlockingClient.Mqtt5Publishes publishes) throws Exception {
        Optional<Mqtt5Publish> p = publishes.receive(10, TimeUnit.SECONDS);
        assertThat(p).as("a delta within 10 s").isPresent();
        return p.get().getTopic() + " " + JSON.readTree(p.get().getPayloadAsBytes()).path("state").path("step")
                .asInt();
    }

    /** The next delta on the topic whose {@code open} is the given value (others are skipped). */
    private static Optional<JsonNode> receive(Mqtt5BlockingClient.Mqtt5Publishes publishes, String topic,
            int seconds, boolean open) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            Optional<Mqtt5Publish> p = publishes.receive(200, TimeUnit.MILLISECONDS);
            if (p.isPresent() && p.get().getTopic().toString().equals(topic)) {
                JsonNode delta = JSON.readTree(p.get().getPayloadAsBytes());
                if (delta.path("state").path("open").asBoolean() == open) {
                    return Optional.of(delta);
                }
            }
        }
        return Optional.empty();
    }
}
