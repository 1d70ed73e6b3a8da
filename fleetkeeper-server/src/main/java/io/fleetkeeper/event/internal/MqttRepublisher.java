package io.fleetkeeper.event.internal;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.fleetkeeper.event.Route;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;

/**
 * Republishes events to an MQTT broker (MQTT 3.1.1, HiveMQ's client): one connection per broker URL, opened on
 * first use and again after it failed. The topic is the route's template with {@code {tenant}}, {@code {device}}
 * ({@code -} for an event without a device) and {@code {type}} filled in; the payload is the CloudEvent.
 */
@Component
public class MqttRepublisher {

    private final Destinations destinations;
    private final Map<String, Mqtt3AsyncClient> clients = new ConcurrentHashMap<>();

    MqttRepublisher(Destinations destinations) {
        this.destinations = destinations;
    }

    public static String topic(String template, UUID tenantId, UUID deviceId, String type) {
        return template.replace("{tenant}", tenantId.toString())
                .replace("{device}", deviceId == null ? "-" : deviceId.toString()).replace("{type}", type);
    }

    public WebhookSender.Result publish(Route.Destination d, String topic, String body) {
        String refused = destinations.brokerRefusal(d.url());
        if (refused != null) {
            return new WebhookSender.Result(null, "refused: URL " + refused, 0, null);
        }
        long start = System.nanoTime();
        try {
            Mqtt3AsyncClient client = connected(d);
            client.publishWith().topic(topic).qos(d.qos() != null && d.qos() == 0 ? MqttQos.AT_MOST_ONCE
                    : MqttQos.AT_LEAST_ONCE).payload(body.getBytes(StandardCharsets.UTF_8)).send()
                    .get(d.timeoutMs(), TimeUnit.MILLISECONDS);
            return new WebhookSender.Result(null, null, (System.nanoTime() - start) / 1_000_000, null);
        } catch (TimeoutException e) {
            drop(d.url());
            return new WebhookSender.Result(null, "timed out after " + d.timeoutMs() + " ms",
                    (System.nanoTime() - start) / 1_000_000, null);
        } catch (Exception e) {
            drop(d.url());
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return new WebhookSender.Result(null, "MQTT: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()),
                    (System.nanoTime() - start) / 1_000_000, null);
        }
    }

    private synchronized Mqtt3AsyncClient connected(Route.Destination d) throws Exception {
        Mqtt3AsyncClient client = clients.get(d.url());
        if (client != null && client.getState().isConnected()) {
            return client;
        }
        drop(d.url());
        URI uri = URI.create(d.url());
        boolean tls = uri.getScheme().equalsIgnoreCase("mqtts");
        var builder = MqttClient.builder().useMqttVersion3().identifier("fleetkeeper-" + UUID.randomUUID())
                .serverHost(uri.getHost()).serverPort(uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883);
        if (tls) {
            builder = builder.sslWithDefaultConfig();
        }
        Mqtt3AsyncClient fresh = builder.buildAsync();
        fresh.connect().get(d.timeoutMs(), TimeUnit.MILLISECONDS);
        clients.put(d.url(), fresh);
        return fresh;
    }

    private void drop(String url) {
        Mqtt3AsyncClient old = clients.remove(url);
        if (old != null) {
            old.disconnect();
        }
    }

    @jakarta.annotation.PreDestroy
    void close() {
        clients.keySet().forEach(this::drop);
    }
}
