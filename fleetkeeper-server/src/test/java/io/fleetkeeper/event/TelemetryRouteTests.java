package io.fleetkeeper.event;

import static io.fleetkeeper.event.RouteApiTests.destination;
import static io.fleetkeeper.event.RouteApiTests.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.event.internal.DeliveryRepository;
import io.fleetkeeper.event.internal.DeliveryWorker;
import io.fleetkeeper.event.internal.RouteRepository;
import io.fleetkeeper.event.internal.RouteSenders;
import io.fleetkeeper.event.internal.Wakeups;
import io.fleetkeeper.store.Leases;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MosquittoClients;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Routes whose source is telemetry, embedded (no NATS: the deliveries go through the database queue): devices
 * publish over MQTT (HiveMQ's client with a device key) and post over HTTPS; the route's topic filter, payload
 * condition and fleet-query condition pick the messages; a local webhook receiver and a Mosquitto subscriber get
 * exactly those. The delivery worker is stepped by the test with a clock a minute ahead, as in {@link RouteApiTests}.
 * The same through NATS JetStream: {@code io.fleetkeeper.system.TelemetryRouteNatsTest}.
 */
class TelemetryRouteTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired DeliveryRepository deliveryRepository;
    @Autowired RouteRepository routeRepository;
    @Autowired RouteSenders senders;
    @Autowired Leases leases;
    @Autowired EventProperties props;
    @Autowired Wakeups wakeups;
    @Autowired MqttEndpoint endpoint;
    @Autowired DeviceListener listener;

    private DeliveryWorker worker;
    private WebhookSink sink;
    private MqttDevices devices;

    @BeforeEach
    void setUp() throws Exception {
        // ahead of what the test queues (set here, once the shared server runs: starting it may take a minute)
        MutableClock clock = new MutableClock(Instant.now().plus(Duration.ofMinutes(1)));
        worker = new DeliveryWorker(deliveryRepository, routeRepository, senders, leases, props, clock, wakeups);
        sink = new WebhookSink();
        devices = new MqttDevices(api);
    }

    @AfterEach
    void tearDown() {
        sink.close();
    }

    private static Map<String, Object> telemetryRoute(String name, String url, String filter, String payload) {
        Map<String, Object> r = route(name, url, List.of("telemetry:" + filter));
        if (payload != null) {
            r.put("payload_condition", payload);
        }
        return r;
    }

    private List<JsonNode> deliveries(TestTenant t, String routeId) {
        return api.get(t.admin(), "/api/v1/routes/" + routeId + "/deliveries?limit=200").expect(200).path("items")
                .valueStream().toList();
    }

    /** Steps the worker until the route's log holds {@code n} deliveries, all delivered (one per device a step). */
    private void deliverAll(TestTenant t, String routeId, int n) {
        Await.until(Duration.ofSeconds(10), n + " deliveries delivered", () -> {
            worker.step();
            return deliveries(t, routeId);
        }, d -> d.size() == n && d.stream().allMatch(x -> x.path("status").asString().equals("delivered")));
    }

    /** Publishes at QoS 1; returns on the PUBACK, which comes after the commit and the hand-over to routes. */
    private static void publish(Mqtt5BlockingClient c, String topic, String payload) {
        c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    private static String msgId(WebhookSink.Received r) {
        return JSON.readTree(r.body()).path("data").path("msg_id").asString();
    }

    @Test
    void onlyMatchingTelemetryOfTheTenantReachesTheWebhookSigned() throws Exception {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        Map<String, Object> body = telemetryRoute("hot doors", sink.url(), "fk/+/telemetry/env",
                "payload.temperature > 30 AND payload.door = \"open\"");
        body.put("condition", "type = \"sensor\"");
        JsonNode created = api.post(t.admin(), "/api/v1/routes", body).expect(201);
        sink.secret(created.path("destination").path("secret").asString());
        assertThat(created.path("source").get(0).asString()).isEqualTo("telemetry:fk/+/telemetry/env");
        assertThat(created.path("payload_condition").asString()).isEqualTo(body.get("payload_condition"));
        String routeId = created.path("id").asString();

        KeyDevice hot = devices.keyDevice(t, "hot");
        String pumpId = createDevice(t.admin(), Map.of("name", "pump", "device_type", "pump")).path("id").asString();
        KeyDevice pump = new KeyDevice(t, pumpId, api.post(t.admin(), "/api/v1/devices/" + pumpId
                + "/device-key/rotate", Map.of()).expect(200).path("device_key").asString(), devices.caFile());
        KeyDevice theirs = devices.keyDevice(other, "theirs");
        try (WebhookSink otherSink = new WebhookSink()) {
            JsonNode theirRoute = api.post(other.admin(), "/api/v1/routes", telemetryRoute("all of it",
                    otherSink.url(), "fk/+/telemetry/#", null)).expect(201);
            otherSink.secret(theirRoute.path("destination").path("secret").asString());
            String otherRouteId = theirRoute.path("id").asString();
            Mqtt5BlockingClient h = devices.connect(hot, endpoint.port());
            Mqtt5BlockingClient p = devices.connect(pump, endpoint.port());
            Mqtt5BlockingClient o = devices.connect(theirs, endpoint.port());
            try {
                String env = "fk/" + hot.id() + "/telemetry/env";
                String open = ",\"door\":\"open\"}";
                publish(h, env, "{\"msg_id\":\"m1\",\"temperature\":35" + open);
                publish(h, env, "{\"msg_id\":\"m2\",\"temperature\":25" + open); // too cool
                publish(h, env, "{\"msg_id\":\"m3\",\"temperature\":35,\"door\":\"shut\"}"); // door shut
                publish(h, env, "{\"msg_id\":\"m4\",\"door\":\"open\"}"); // no temperature
                publish(h, "fk/" + hot.id() + "/telemetry/other", "{\"msg_id\":\"m5\",\"temperature\":40" + open);
                publish(h, "fk/" + hot.id() + "/telemetry", "{\"msg_id\":\"m6\",\"temperature\":40" + open);
                publish(p, "fk/" + pump.id() + "/telemetry/env", "{\"msg_id\":\"m7\",\"temperature\":40" + open);
                publish(o, "fk/" + theirs.id() + "/telemetry/env", "{\"msg_id\":\"o1\",\"temperature\":40" + open);
                publish(h, env, "{\"msg_id\":\"m8\",\"temperature\":31.5" + open);
                publish(h, env, "{\"msg_id\":\"m1\",\"temperature\":35" + open); // sent again: the same event
            } finally {
                h.disconnect();
                p.disconnect();
                o.disconnect();
            }
            // over HTTPS the stream is a member of the message, matched as if published on its topic
            new DevicePort(api, listener.port()).post("/device/v1/telemetry", Map.of("X-Device-Key", hot.key()),
                    "{\"msg_id\":\"h1\",\"stream\":\"env\",\"temperature\":50,\"door\":\"open\"}").expect(202);

            assertThat(deliveries(t, routeId)).as("queued before the acknowledgement")
                    .extracting(d -> d.path("event_type").asString()).hasSize(3)
                    .containsOnly("io.fleetkeeper.telemetry.received");
            deliverAll(t, routeId, 3);
            List<WebhookSink.Received> got = sink.received();
            assertThat(got).extracting(TelemetryRouteTests::msgId).containsExactly("m1", "m8", "h1");
            assertThat(got).allSatisfy(r -> assertThat(r.signatureValid()).isTrue());
            JsonNode ce = JSON.readTree(got.getFirst().body());
            assertThat(ce.path("type").asString()).isEqualTo("io.fleetkeeper.telemetry.received");
            assertThat(ce.path("subject").asString()).isEqualTo(hot.id());
            assertThat(ce.path("tenantid").asString()).isEqualTo(t.id());
            assertThat(ce.path("id").asString()).isEqualTo(got.getFirst().id());
            JsonNode data = ce.path("data");
            assertThat(data.path("device_id").asString()).isEqualTo(hot.id());
            assertThat(data.path("stream").asString()).isEqualTo("env");
            assertThat(data.path("metrics").path("temperature").asDouble()).isEqualTo(35.0);
            assertThat(data.path("metrics").path("door").asString()).isEqualTo("open");
            assertThat(Instant.parse(data.path("ts").asString())).isEqualTo(Instant.parse(ce.path("time").asString()));

            deliverAll(other, otherRouteId, 1); // the other tenant's route: its own device's message only
            assertThat(otherSink.received()).extracting(TelemetryRouteTests::msgId).containsExactly("o1");
            assertThat(otherSink.received().getFirst().signatureValid()).isTrue();
        }
        assertThat(sink.received()).extracting(TelemetryRouteTests::msgId).containsExactly("m1", "m8", "h1");

        // a changed payload condition applies to the next message at once; a disabled route takes nothing
        api.patch(t.admin(), "/api/v1/routes/" + routeId, Map.of("payload_condition", "payload.temperature > 100"),
                "\"1\"").expect(200);
        KeyDevice again = devices.keyDevice(t, "again");
        Mqtt5BlockingClient c = devices.connect(again, endpoint.port());
        try {
            publish(c, "fk/" + again.id() + "/telemetry/env", "{\"msg_id\":\"n1\",\"temperature\":50}");
            publish(c, "fk/" + again.id() + "/telemetry/env", "{\"msg_id\":\"n2\",\"temperature\":150,\"door\":1}");
            deliverAll(t, routeId, 4);
            assertThat(sink.received()).extracting(TelemetryRouteTests::msgId)
                    .containsExactly("m1", "m8", "h1", "n2");
            api.patch(t.admin(), "/api/v1/routes/" + routeId, Map.of("enabled", false), "\"2\"").expect(200);
            publish(c, "fk/" + again.id() + "/telemetry/env", "{\"msg_id\":\"n3\",\"temperature\":150}");
        } finally {
            c.disconnect();
        }
        assertThat(deliveries(t, routeId)).as("a disabled route queues nothing").hasSize(4);
    }

    @Test
    void mqttRouteRepublishesADevicesTelemetryToTheBroker() throws Exception {
        MosquittoClients.assumeInstalled();
        MosquittoClients.assumeBroker(1883);
        TestTenant t = newTenant();
        KeyDevice meter = devices.keyDevice(t, "meter");
        KeyDevice quiet = devices.keyDevice(t, "quiet");
        Map<String, Object> body = telemetryRoute("republish", sink.url(), "fk/" + meter.id() + "/telemetry", null);
        body.put("destination", Map.of("type", "mqtt", "url", "mqtt://127.0.0.1:1883",
                "topic", "fk-test/{tenant}/{device}/telemetry", "qos", 1));
        String routeId = api.post(t.admin(), "/api/v1/routes", body).expect(201).path("id").asString();
        var clients = new MosquittoClients(1883);
        String client = "fk-test-" + java.util.UUID.randomUUID();
        String filter = "fk-test/" + t.id() + "/#";
        // a persistent session subscribed first, so the broker keeps the message for the reader below
        clients.sub(List.of(), "-c", "-i", client, "-q", "1", "-t", filter, "-C", "1", "-W", "1").await(5);
        Mqtt5BlockingClient q = devices.connect(quiet, endpoint.port());
        Mqtt5BlockingClient m = devices.connect(meter, endpoint.port());
        try {
            publish(q, "fk/" + quiet.id() + "/telemetry", "{\"rpm\":1}"); // another device: not this route's
            publish(m, "fk/" + meter.id() + "/telemetry/env", "{\"rpm\":2}"); // another stream
            publish(m, "fk/" + meter.id() + "/telemetry", "{\"msg_id\":\"r1\",\"rpm\":1200,\"on\":true}");
        } finally {
            q.disconnect();
            m.disconnect();
        }
        Await.until(Duration.ofSeconds(10), "the delivery sent", () -> {
            worker.step();
            return deliveries(t, routeId);
        }, d -> d.size() == 1 && d.getFirst().path("status").asString().equals("delivered"));
        var read = clients.sub(List.of(), "-c", "-i", client, "-q", "1", "-t", filter, "-C", "2", "-W", "3", "-v")
                .await(10);
        List<String> lines = read.output().lines().filter(l -> l.startsWith("fk-test/")).toList(); // not "Timed out"
        assertThat(lines).as("one message only").hasSize(1);
        String line = lines.getFirst();
        assertThat(line).startsWith("fk-test/" + t.id() + "/" + meter.id() + "/telemetry ");
        JsonNode ce = JSON.readTree(line.substring(line.indexOf(' ') + 1));
        assertThat(ce.path("type").asString()).isEqualTo("io.fleetkeeper.telemetry.received");
        assertThat(ce.path("data").path("msg_id").asString()).isEqualTo("r1");
        assertThat(ce.path("data").path("stream").asString()).isEmpty();
        assertThat(ce.path("data").path("metrics").path("rpm").asDouble()).isEqualTo(1200.0);
        assertThat(ce.path("data").path("metrics").path("on").asBoolean()).isTrue();
    }

    @Test
    void badTelemetrySourcesAndPayloadConditionsAreRefusedWithTheirField() {
        TestTenant t = newTenant();
        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("not a telemetry topic", telemetryRoute("a", sink.url(), "fk/+/status", null));
        cases.put("device level", telemetryRoute("b", sink.url(), "fk/pump-1/telemetry", null));
        cases.put("too deep", telemetryRoute("c", sink.url(), "fk/+/telemetry/a/b", null));
        cases.put("bad stream", telemetryRoute("d", sink.url(), "fk/+/telemetry/a b", null));
        Map<String, Object> mixed = telemetryRoute("e", sink.url(), "fk/+/telemetry", null);
        mixed.put("source", List.of("telemetry:fk/+/telemetry", "io.fleetkeeper.device.created"));
        cases.put("mixed", mixed);
        cases.forEach((what, body) -> assertThat(api.post(t.admin(), "/api/v1/routes", body)
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field")).as(what)
                .containsExactly("source"));

        for (String condition : List.of("payload.temperature >", "temperature > 30", "payload.door < true",
                "payload.a = 1 AND", "payload.a = open", "payload.a IN (1, 2", "(payload.a = 1", "payload.a ! 1",
                "payload.a.b.c = 1", "payload.a = \"unclosed")) {
            JsonNode problem = api.post(t.admin(), "/api/v1/routes", telemetryRoute("f", sink.url(),
                    "fk/+/telemetry", condition)).expectProblem(400, "VALIDATION_FAILED");
            assertThat(problem.path("errors").findValuesAsString("field")).as(condition)
                    .containsExactly("payload_condition");
            assertThat(problem.path("errors").get(0).path("message").asString()).as(condition)
                    .startsWith("invalid condition at position ");
        }
        Map<String, Object> onEvents = route("g", sink.url(), List.of("io.fleetkeeper.device.created"));
        onEvents.put("payload_condition", "payload.a = 1");
        assertThat(api.post(t.admin(), "/api/v1/routes", onEvents).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("payload_condition");
        Map<String, Object> badQuery = telemetryRoute("h", sink.url(), "fk/+/telemetry", "payload.a = 1");
        badQuery.put("condition", "type ==");
        destination(badQuery).put("timeout_ms", 1);
        assertThat(api.post(t.admin(), "/api/v1/routes", badQuery).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactlyInAnyOrder("condition",
                        "destination.timeout_ms");
        assertThat(api.get(t.admin(), "/api/v1/routes").expect(200).path("items").size()).as("nothing saved").isZero();

        String id = api.post(t.admin(), "/api/v1/routes", telemetryRoute("ok", sink.url(), "fk/+/telemetry/+",
                "payload.level <= 3 OR NOT payload.mode IN (\"eco\", \"off\") OR payload.alarm EXISTS")).expect(201)
                .path("id").asString();
        assertThat(api.patch(t.admin(), "/api/v1/routes/" + id, Map.of("payload_condition", "payload.level <"), "\"1\"")
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field"))
                .containsExactly("payload_condition");
        assertThat(api.get(t.admin(), "/api/v1/routes/" + id).expect(200).path("version").asLong()).isEqualTo(1);
    }
}
