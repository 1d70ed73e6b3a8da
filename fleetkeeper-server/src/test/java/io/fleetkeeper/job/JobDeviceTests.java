package io.fleetkeeper.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.job.internal.JobEngine;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MosquittoClients;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jobs through the real device interfaces: a command job reaches a device over MQTT/TLS (HiveMQ's client, and
 * {@code mosquitto_sub} subscribing after the dispatch) or over the HTTPS poll, and the device's answer ends its
 * execution. The engine runs on the real clock; the test steps it for its own job only (the suite's database
 * holds other tests' jobs, which a {@code tick()} would also pick up).
 */
class JobDeviceTests extends JobFixture {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired MqttEndpoint endpoint;
    @Autowired DeviceListener listener;

    private MqttDevices devices;
    private TestTenant tenant;
    private JobEngine engine;
    private final Clock clock = Clock.systemUTC();

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
        engine = engine(clock, "node-x-" + UUID.randomUUID());
    }

    /** A command job for every device of the (fresh) tenant; the devices are all of type {@code sensor}. */
    private String commandJob(String name, Map<String, Object> payload) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "job " + name);
        body.put("target", Map.of("query", "type = \"sensor\""));
        body.put("operation", Map.of("type", "command", "name", name, "payload", payload));
        return createJob(tenant, body).path("id").asString();
    }

    private JsonNode runUntil(String jobId, Predicate<JsonNode> done, String what) {
        return stepUntil(engine, clock, tenant, jobId, done, what);
    }

    private JsonNode execution(String jobId, String deviceId) {
        return api.get(tenant.admin(), "/api/v1/jobs/" + jobId + "/executions/" + deviceId).expect(200);
    }

    @Test
    void mqttDeviceGetsTheJobsCommandAndItsResultCompletesTheJob() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "pump");
        String ns = "fk/" + d.id() + "/";
        Mqtt5BlockingClient c = devices.connect(d, endpoint.port());
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "commands/+").qos(MqttQos.AT_LEAST_ONCE).send();
            String jobId = commandJob("reboot", Map.of("delay", 3));
            runUntil(jobId, j -> count(j, "IN_PROGRESS") == 1, "the execution started");

            Mqtt5Publish p = MqttDevices.next(publishes, ns + "commands/");
            JsonNode got = JSON.readTree(p.getPayloadAsBytes());
            String commandId = got.path("id").asString();
            assertThat(p.getTopic().toString()).isEqualTo(ns + "commands/" + commandId);
            assertThat(got.path("job_id").asString()).isEqualTo(jobId);
            assertThat(got.path("name").asString()).isEqualTo("reboot");
            assertThat(got.path("payload").path("delay").asInt()).isEqualTo(3);
            JsonNode started = execution(jobId, d.id());
            assertThat(started.path("status").asString()).isEqualTo("IN_PROGRESS");
            assertThat(started.path("command_id").asString()).isEqualTo(commandId);
            JsonNode command = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/commands/" + commandId)
                    .expect(200);
            assertThat(command.path("status").asString()).isEqualTo("SENT");
            assertThat(command.path("job_id").asString()).isEqualTo(jobId);

            c.publishWith().topic(ns + "commands/" + commandId + "/result").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"status\":\"SUCCEEDED\",\"result\":{\"uptime\":7,\"fw\":\"1.2\"}}")).send();
            JsonNode job = runUntil(jobId, j -> j.path("status").asString().equals("COMPLETED"),
                    "the job completed");
            assertThat(count(job, "SUCCEEDED")).isEqualTo(1);
            assertThat(job.path("progress").path("percent_done").asDouble()).isEqualTo(100.0);
            JsonNode e = execution(jobId, d.id());
            assertThat(e.path("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(e.path("finished_at").isString()).isTrue();
            assertThat(e.path("details").path("command_status").asString()).isEqualTo("SUCCEEDED");
            assertThat(e.path("details").path("result").toString()).isEqualTo("{\"uptime\":7,\"fw\":\"1.2\"}");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void httpsDeviceRejectsTheJobsCommandAndItsExecutionIsRejected() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter");
        String jobId = commandJob("flash", Map.of("image", "v2"));
        runUntil(jobId, j -> count(j, "IN_PROGRESS") == 1, "the execution started");

        DevicePort port = new DevicePort(api, listener.port());
        Map<String, String> key = Map.of("X-Device-Key", d.key());
        JsonNode polled = port.call("GET", "/device/v1/commands", key, null).expect(200).path("items");
        assertThat(polled).hasSize(1);
        JsonNode command = polled.get(0);
        assertThat(command.path("job_id").asString()).isEqualTo(jobId);
        assertThat(command.path("name").asString()).isEqualTo("flash");
        assertThat(command.path("payload").path("image").asString()).isEqualTo("v2");
        String commandId = command.path("id").asString();
        assertThat(execution(jobId, d.id()).path("command_id").asString()).isEqualTo(commandId);

        JsonNode rejected = port.call("POST", "/device/v1/commands/" + commandId + "/result", key,
                "{\"status\":\"REJECTED\",\"result\":{\"reason\":\"battery low\"}}").expect(200);
        assertThat(rejected.path("status").asString()).isEqualTo("REJECTED");
        JsonNode e = execution(jobId, d.id());
        assertThat(e.path("status").asString()).as("the execution ends in the result's transaction").isEqualTo(
                "REJECTED");
        assertThat(e.path("details").path("command_status").asString()).isEqualTo("REJECTED");
        assertThat(e.path("details").path("result").path("reason").asString()).isEqualTo("battery low");
        port.call("POST", "/device/v1/commands/" + commandId + "/result", key, "{\"status\":\"SUCCEEDED\"}")
                .expectProblem(409, "INVALID_TRANSITION");
        JsonNode job = runUntil(jobId, j -> j.path("status").asString().equals("COMPLETED"), "the job completed");
        assertThat(count(job, "REJECTED")).isEqualTo(1);
        assertThat(count(job, "SUCCEEDED")).isZero();
        assertThat(execution(jobId, d.id()).path("status").asString()).isEqualTo("REJECTED");
    }

    @Test
    void mosquittoSubGetsAJobCommandSentWhileItWasOffline() throws Exception {
        MosquittoClients.assumeInstalled();
        KeyDevice d = devices.keyDevice(tenant, "valve");
        String jobId = commandJob("open", Map.of("percent", 40));
        runUntil(jobId, j -> count(j, "IN_PROGRESS") == 1, "the execution started");
        String commandId = execution(jobId, d.id()).path("command_id").asString();
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/commands/" + commandId).expect(200)
                .path("status").asString()).isEqualTo("QUEUED");

        var sub = new MosquittoClients(endpoint.port()).sub(MosquittoClients.deviceKey(d),
                "-t", "fk/" + d.id() + "/commands/+", "-q", "1", "-C", "1", "-W", "15", "-v").await(20);
        String output = sub.output(); // the stream can be read once
        assertThat(sub.exitCode()).as(output).isZero();
        String[] topicAndBody = output.strip().split(" ", 2);
        assertThat(topicAndBody[0]).isEqualTo("fk/" + d.id() + "/commands/" + commandId);
        JsonNode got = JSON.readTree(topicAndBody[1]);
        assertThat(got.path("job_id").asString()).isEqualTo(jobId);
        assertThat(got.path("name").asString()).isEqualTo("open");
        assertThat(got.path("payload").path("percent").asInt()).isEqualTo(40);
        assertThat(execution(jobId, d.id()).path("status").asString()).isEqualTo("IN_PROGRESS");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
