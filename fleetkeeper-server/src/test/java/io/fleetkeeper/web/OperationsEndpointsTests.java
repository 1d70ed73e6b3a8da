package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.Reply;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** What operators and tooling read without credentials: the OpenAPI document, probes and metrics. */
class OperationsEndpointsTests extends ApiTest {

    @Autowired
    private MqttEndpoint endpoint;

    @Test
    void openApiDocumentIsVersion31AndDescribesTheApi() {
        JsonNode doc = api.get(null, "/v3/api-docs").expect(200);

        assertThat(doc.path("openapi").asString()).startsWith("3.1");
        assertThat(doc.path("paths").propertyNames()).contains("/api/v1/devices", "/api/v1/devices/{id}",
                "/api/v1/sites", "/api/v1/device-types", "/api/v1/tokens", "/api/v1/audit",
                "/api/v1/operator/tenants");
        assertThat(doc.path("components").path("securitySchemes").path("bearer").path("scheme").asString())
                .isEqualTo("bearer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/health/readiness", "/actuator/health/liveness"})
    void healthProbesAreUp(String path) {
        assertThat(api.get(null, path).expect(200).path("status").asString()).isEqualTo("UP");
    }

    @Test
    void prometheusMetricsAreExposedAsText() {
        api.get(null, "/api/v1/stats/devices");

        Reply reply = api.get(null, "/actuator/prometheus");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("text/plain");
        assertThat(reply.body()).contains("# TYPE ", "jvm_memory_used_bytes", "http_server_requests_seconds_count");
        // the long-task timers of in-flight requests are not kept: their upkeep cost a few per cent of a request
        assertThat(reply.body()).doesNotContain("http_server_requests_active_seconds");
    }

    @Test
    void productMetricsCountMqttConnectionsRefusalsAndMessages() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        MqttDevices.KeyDevice d = devices.keyDevice(newTenant(), "metered");
        String before = api.get(null, "/actuator/prometheus").body();

        Mqtt5BlockingClient good = client(devices, d.id(), d.key());
        good.connect();
        good.publishWith().topic("fk/" + d.id() + "/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                .payload("{\"t\":1}".getBytes(StandardCharsets.UTF_8)).send();
        assertThatThrownBy(() -> client(devices, d.id(), "dvc_wrong").connect())
                .isInstanceOf(Mqtt5ConnAckException.class);
        String during = api.get(null, "/actuator/prometheus").body();
        good.disconnect();
        String mqtt = during.lines().filter(l -> l.startsWith("fleetkeeper_mqtt")).toList().toString();

        assertThat(value(during, "fleetkeeper_mqtt_sessions")).as(mqtt).isGreaterThanOrEqualTo(1);
        assertThat(value(during, "fleetkeeper_mqtt_connects_total{outcome=\"accepted\",reason=\"none\"}")).as(mqtt)
                .isGreaterThan(value(before, "fleetkeeper_mqtt_connects_total{outcome=\"accepted\",reason=\"none\"}"));
        assertThat(value(during, "fleetkeeper_mqtt_connects_total{outcome=\"refused\",reason=\"bad_username_or_password\"}")).as(mqtt)
                .isGreaterThan(value(before, "fleetkeeper_mqtt_connects_total{outcome=\"refused\",reason=\"bad_username_or_password\"}"));
        assertThat(value(during, "fleetkeeper_mqtt_messages_total{direction=\"in\"}")).as(mqtt)
                .isGreaterThan(value(before, "fleetkeeper_mqtt_messages_total{direction=\"in\"}"));
        assertThat(value(during, "fleetkeeper_mqtt_tls_handshakes_total{outcome=\"ok\"}")).isGreaterThanOrEqualTo(2);
        // the buffer memory of the allocator the MQTT endpoint's connections use (Netty's default), direct and heap
        String allocator = "allocator_type=\"" + ByteBufAllocator.DEFAULT.getClass().getSimpleName() + "\"";
        assertThat(during).as(allocator)
                .containsPattern("(?m)^netty_allocator_memory_used\\{[^}]*" + allocator + "[^}]*memory_type=\"direct\"[^}]*} \\d")
                .containsPattern("(?m)^netty_allocator_memory_used\\{[^}]*" + allocator + "[^}]*memory_type=\"heap\"[^}]*} \\d");
        assertThat(during).contains("fleetkeeper_outbox_pending ", "hikaricp_connections_active",
                "fleetkeeper_telemetry_messages_total");
    }

    @Test
    void theGrafanaDashboardQueriesOnlyMetricsTheServerExposes() throws Exception {
        String dashboard = Files.readString(Path.of("../deploy/grafana/fleetkeeper.json"));
        // one finished request, for the request timer (when this test is the first of its JVM to call the server)
        api.get(null, "/api/v1/stats/devices");
        String exposition = api.get(null, "/actuator/prometheus").body();
        // Exposed only with NATS, once a job or telemetry has run on this node, or with percentile histograms.
        Set<String> conditional = Set.of("fleetkeeper_telemetry_consumer_lag", "fleetkeeper_outbox_nats_lag",
                "fleetkeeper_jobs_executions_total", "fleetkeeper_telemetry_messages_total",
                "http_server_requests_seconds_bucket");
        Matcher m = Pattern.compile("\\b((?:fleetkeeper|hikaricp|http_server|jvm|process)_[a-z_]+)").matcher(dashboard);
        Set<String> queried = new TreeSet<>();
        while (m.find()) {
            queried.add(m.group(1));
        }
        assertThat(queried).contains("fleetkeeper_mqtt_sessions", "fleetkeeper_outbox_pending");
        for (String metric : queried) {
            if (!conditional.contains(metric)) {
                assertThat(exposition).as("exposed: " + metric).containsPattern("(?m)^" + metric + "[{ ]");
            }
        }
    }

    private Mqtt5BlockingClient client(MqttDevices devices, String id, String key) throws Exception {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .simpleAuth().username(id).password(key.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .buildBlocking();
    }

    /** The value of one sample ({@code name} with its labels as printed), 0 when absent. */
    private static double value(String exposition, String sample) {
        return exposition.lines().filter(l -> l.startsWith(sample + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(sample.length() + 1).trim())).orElse(0.0);
    }
}
