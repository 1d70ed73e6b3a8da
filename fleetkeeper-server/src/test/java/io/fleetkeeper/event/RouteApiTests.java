package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.event.internal.DeliveryRepository;
import io.fleetkeeper.event.internal.DeliveryWorker;
import io.fleetkeeper.event.internal.RouteRepository;
import io.fleetkeeper.event.internal.Wakeups;
import io.fleetkeeper.event.internal.WebhookSender;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.store.Leases;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Message routes over HTTP, delivered to a local webhook receiver by a delivery worker the test steps with a
 * clock it moves (the shared server's own worker is off, see ApiTest).
 */
class RouteApiTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired DeliveryRepository deliveryRepository;
    @Autowired RouteRepository routeRepository;
    @Autowired io.fleetkeeper.event.internal.RouteSenders senders;
    @Autowired io.fleetkeeper.event.internal.MqttRepublisher mqtt;
    @Autowired Sealer vault;
    @Autowired Leases leases;
    @Autowired EventProperties props;
    @Autowired Wakeups wakeups;

    private final MutableClock clock = new MutableClock(Instant.now().plus(Duration.ofMinutes(1)));
    private DeliveryWorker worker;
    private WebhookSink sink;

    @BeforeEach
    void setUp() throws Exception {
        worker = new DeliveryWorker(deliveryRepository, routeRepository, senders, leases, props, clock, wakeups);
        sink = new WebhookSink();
    }

    @AfterEach
    void tearDown() {
        sink.close();
    }

    static Map<String, Object> route(String name, String url, List<String> source) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("source", source);
        r.put("destination", new LinkedHashMap<>(Map.of("type", "webhook", "url", url)));
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> destination(Map<String, Object> route) {
        return (Map<String, Object>) route.get("destination");
    }

    private JsonNode createRoute(TestTenant t, Map<String, Object> body) {
        JsonNode r = api.post(t.admin(), "/api/v1/routes", body).expect(201);
        sink.secret(r.path("destination").path("secret").asString());
        return r;
    }

    private List<JsonNode> deliveries(TestTenant t, String routeId) {
        return api.get(t.admin(), "/api/v1/routes/" + routeId + "/deliveries?limit=200").expect(200).path("items")
                .valueStream().toList();
    }

    private void awaitQueued(TestTenant t, String routeId, int n) {
        Await.until(Duration.ofSeconds(10), n + " deliveries queued", () -> deliveries(t, routeId).size(),
                size -> size == n);
    }

    @Test
    void routeShowsItsSecretOnceAndChangesWithIfMatch() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        var reply = api.call("POST", "/api/v1/routes").token(t.admin())
                .body(route("ops", sink.url(), List.of("io.fleetkeeper.device.created"))).send();
        JsonNode created = reply.expect(201);
        assertThat(reply.etag()).isEqualTo("\"1\"");
        assertThat(created.path("destination").path("secret").asString()).startsWith("whsec_");
        assertThat(created.path("destination").path("timeout_ms").asInt()).isEqualTo(5000);
        assertThat(created.path("enabled").asBoolean()).isTrue();
        String id = created.path("id").asString();

        JsonNode read = api.get(t.admin(), "/api/v1/routes/" + id).expect(200);
        assertThat(read.path("destination").has("secret")).isFalse();
        assertThat(ids(api.get(t.admin(), "/api/v1/routes").expect(200))).containsExactly(id);

        api.patch(t.admin(), "/api/v1/routes/" + id, Map.of("enabled", false), "\"7\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        JsonNode patched = api.patch(t.admin(), "/api/v1/routes/" + id,
                Map.of("enabled", false, "destination", Map.of("timeout_ms", 2000)), "\"1\"").expect(200);
        assertThat(patched.path("enabled").asBoolean()).isFalse();
        assertThat(patched.path("destination").path("timeout_ms").asInt()).isEqualTo(2000);
        assertThat(patched.path("destination").path("url").asString()).isEqualTo(sink.url());
        assertThat(patched.path("version").asLong()).isEqualTo(2);
        assertThat(patched.path("destination").has("secret")).isFalse();

        for (String path : List.of("", "/deliveries")) {
            api.get(other.admin(), "/api/v1/routes/" + id + path).expectProblem(404, "NOT_FOUND");
        }
        api.patch(other.admin(), "/api/v1/routes/" + id, Map.of("enabled", true), null).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/routes/" + id + "/test", null).expectProblem(404, "NOT_FOUND");
        api.delete(other.admin(), "/api/v1/routes/" + id).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/routes").expect(200).path("items").size()).isZero();

        api.delete(t.admin(), "/api/v1/routes/" + id).expect(204);
        api.get(t.admin(), "/api/v1/routes/" + id).expectProblem(404, "NOT_FOUND");
        JsonNode audit = api.get(t.admin(), "/api/v1/audit?target_type=route").expect(200);
        assertThat(audit.path("items").valueStream().map(e -> e.path("action").asString()).toList())
                .contains("route.create", "route.update", "route.delete");
    }

    @Test
    void badInputsAreRefusedWithTheirField() {
        TestTenant t = newTenant();
        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("name", route("", sink.url(), List.of("*")));
        cases.put("source", route("a", sink.url(), List.of("io.fleetkeeper.nope")));
        Map<String, Object> badQuery = route("b", sink.url(), List.of("*"));
        badQuery.put("condition", "type ==");
        cases.put("condition", badQuery);
        cases.put("destination.url", route("c", "ftp://127.0.0.1/x", List.of("*")));
        Map<String, Object> timeout = route("d", sink.url(), List.of("*"));
        destination(timeout).put("timeout_ms", 5);
        cases.put("destination.timeout_ms", timeout);
        Map<String, Object> secret = route("e", sink.url(), List.of("*"));
        destination(secret).put("secret", "not-a-secret");
        cases.put("destination.secret", secret);
        Map<String, Object> header = route("f", sink.url(), List.of("*"));
        destination(header).put("headers", Map.of("webhook-id", "x"));
        cases.put("destination.headers", header);
        Map<String, Object> type = route("g", sink.url(), List.of("*"));
        destination(type).put("type", "smtp");
        cases.put("destination.type", type);
        Map<String, Object> none = route("h", sink.url(), List.of("*"));
        none.remove("destination");
        cases.put("destination", none);
        cases.forEach((field, body) -> {
            JsonNode problem = api.post(t.admin(), "/api/v1/routes", body).expectProblem(400, "VALIDATION_FAILED");
            assertThat(problem.path("errors").findValuesAsString("field")).as(field).containsExactly(field);
        });
        Map<String, Object> wrongType = route("i", sink.url(), List.of("*"));
        wrongType.put("enabled", "yes please");
        assertThat(api.post(t.admin(), "/api/v1/routes", wrongType).status()).isEqualTo(400);
        assertThat(api.get(t.admin(), "/api/v1/routes").expect(200).path("items").size()).isZero();
        api.get(t.admin(), "/api/v1/routes/" + java.util.UUID.randomUUID() + "/deliveries?status=lost")
                .expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void urlsResolvingToNonPublicAddressesAreRefused() {
        TestTenant t = newTenant();
        for (String url : List.of("http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data",
                "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/", "http://0.0.0.0/",
                "http://127.0.0.2/", "http://[::1]/", "http://[fd00::1]/", "http://[::ffff:10.0.0.1]/",
                "http://user@127.0.0.1/")) {
            JsonNode problem = api.post(t.admin(), "/api/v1/routes", route("r", url, List.of("*")))
                    .expectProblem(400, "VALIDATION_FAILED");
            assertThat(problem.path("errors").findValuesAsString("field")).as(url).containsExactly("destination.url");
        }
        assertThat(api.get(t.admin(), "/api/v1/routes").expect(200).path("items").size()).isZero();
    }

    @Test
    void eventsArriveSignedAndInOrderPerDeviceOnceTheReceiverIsBack() throws Exception {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        Map<String, Object> body = route("all", sink.url(), List.of("*"));
        destination(body).put("headers", Map.of("X-Team", "ops"));
        String routeId = createRoute(t, body).path("id").asString();
        try (WebhookSink otherSink = new WebhookSink()) {
            api.post(other.admin(), "/api/v1/routes", route("theirs", otherSink.url(), List.of("*"))).expect(201);
            createDevice(other.admin(), device("theirs"));
            sink.answer(503);
            List<String> devices = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                String id = createDevice(t.admin(), device(name)).path("id").asString();
                devices.add(id);
                api.call("POST", "/api/v1/devices/" + id + "/suspend").token(t.admin()).send().expect(200);
                api.call("POST", "/api/v1/devices/" + id + "/resume").token(t.admin()).send().expect(200);
            }
            awaitQueued(t, routeId, 6);
            worker.step();
            assertThat(sink.received()).hasSize(2).allSatisfy(r -> assertThat(r.answered()).isEqualTo(503));
            JsonNode failed = deliveries(t, routeId).stream().filter(d -> d.path("attempts").asInt() == 1)
                    .findFirst().orElseThrow();
            assertThat(failed.path("status").asString()).isEqualTo("pending");
            assertThat(failed.path("last_status").asInt()).isEqualTo(503);
            assertThat(Instant.parse(failed.path("next_attempt_at").asString()))
                    .isAfterOrEqualTo(clock.instant().plus(props.retryInitial().dividedBy(2)).minusMillis(1));
            worker.step();
            assertThat(sink.received()).as("nothing is retried before its time").hasSize(2);

            sink.answer(204);
            clock.advance(props.retryInitial().plusSeconds(1));
            for (int i = 0; i < 5; i++) {
                worker.step();
            }
            List<WebhookSink.Received> ok = sink.received().stream().filter(r -> r.answered() == 204).toList();
            assertThat(ok).hasSize(6).allSatisfy(r -> {
                assertThat(r.signatureValid()).isTrue();
                assertThat(r.header()).isEqualTo("ops");
            });
            for (String device : devices) {
                List<String> seen = ok.stream().map(r -> JSON.readTree(r.body()))
                        .filter(ce -> ce.path("subject").asString().equals(device))
                        .map(ce -> ce.path("type").asString() + ":" + ce.path("data").path("details").path("to")
                                .asString())
                        .toList();
                assertThat(seen).containsExactly("io.fleetkeeper.device.created:",
                        "io.fleetkeeper.device.status.changed:suspended",
                        "io.fleetkeeper.device.status.changed:active");
            }
            assertThat(ok).allSatisfy(r -> assertThat(JSON.readTree(r.body()).path("tenantid").asString())
                    .isEqualTo(t.id()));
            assertThat(deliveries(t, routeId)).allSatisfy(d -> {
                assertThat(d.path("status").asString()).isEqualTo("delivered");
                assertThat(d.path("last_status").asInt()).isEqualTo(204);
                assertThat(d.has("last_latency_ms")).isTrue();
            });
            assertThat(otherSink.received()).as("the other tenant's receiver").allSatisfy(r ->
                    assertThat(JSON.readTree(r.body()).path("tenantid").asString()).isEqualTo(other.id()));
        }
    }

    @Test
    void aHealthyRouteSendsDifferentDevicesEventsAtOnce() {
        TestTenant t = newTenant();
        String routeId = createRoute(t, route("created", sink.url(), List.of("io.fleetkeeper.device.created")))
                .path("id").asString();
        createDevice(t.admin(), device("first"));
        awaitQueued(t, routeId, 1);
        worker.step();
        assertThat(sink.received()).as("a route gets one attempt at a time until one succeeded").hasSize(1);
        for (String name : List.of("a", "b", "c", "d")) {
            createDevice(t.admin(), device(name));
        }
        awaitQueued(t, routeId, 5);
        sink.holdUntilConcurrent(4);
        worker.step();
        assertThat(sink.received()).hasSize(5).allSatisfy(r -> assertThat(r.answered()).isEqualTo(204));
        assertThat(sink.mostInFlight()).as("four devices' deliveries in at once").isEqualTo(4);
        assertThat(deliveries(t, routeId)).allSatisfy(d -> assertThat(d.path("status").asString())
                .isEqualTo("delivered"));
    }

    @Test
    void aDeliveryThatKeepsFailingBecomesADeadLetterAndCanBeReplayed() {
        TestTenant t = newTenant();
        String routeId = createRoute(t, route("dead", sink.url(), List.of("io.fleetkeeper.device.created")))
                .path("id").asString();
        sink.answer(500);
        createDevice(t.admin(), device("x"));
        awaitQueued(t, routeId, 1);
        int attempts = 0;
        while (deliveries(t, routeId).getFirst().path("status").asString().equals("pending") && attempts < 100) {
            worker.step();
            clock.advance(props.retryMax().plus(props.breakerCooldown()));
            attempts++;
        }
        JsonNode dead = deliveries(t, routeId).getFirst();
        assertThat(dead.path("status").asString()).isEqualTo("dead");
        assertThat(dead.path("attempts").asInt()).isGreaterThan(5).isEqualTo(sink.received().size());
        assertThat(dead.path("last_error").asString()).isEqualTo("HTTP 500");
        assertThat(api.get(t.admin(), "/api/v1/routes/" + routeId + "/deliveries?status=dead").expect(200)
                .path("items").size()).isEqualTo(1);

        sink.answer(204);
        assertThat(api.post(t.admin(), "/api/v1/routes/" + routeId + "/deliveries/replay", null).expect(200)
                .path("replayed").asInt()).isEqualTo(1);
        clock.advance(props.breakerCooldown());
        worker.step();
        JsonNode replayed = deliveries(t, routeId).getFirst();
        assertThat(replayed.path("status").asString()).isEqualTo("delivered");
        assertThat(sink.received().getLast().signatureValid()).isTrue();
    }

    @Test
    void circuitBreakerHoldsARouteAfterRepeatedFailures() {
        TestTenant t = newTenant();
        String routeId = createRoute(t, route("breaker", sink.url(), List.of("io.fleetkeeper.device.created")))
                .path("id").asString();
        sink.answer(503);
        for (int i = 0; i < props.breakerFailures() + 2; i++) {
            createDevice(t.admin(), device("d" + i));
        }
        awaitQueued(t, routeId, props.breakerFailures() + 2);
        worker.step();
        assertThat(sink.received()).as("attempts before the breaker opened").hasSize(props.breakerFailures());
        assertThat(worker.breakerOpen(java.util.UUID.fromString(routeId))).isTrue();
        clock.advance(props.retryMax());
        worker.step();
        assertThat(sink.received()).hasSize(props.breakerFailures() + 1);
        sink.answer(204);
        clock.advance(props.retryMax().plus(props.breakerCooldown()));
        worker.step();
        assertThat(worker.breakerOpen(java.util.UUID.fromString(routeId))).isFalse();
        assertThat(deliveries(t, routeId)).allSatisfy(d -> assertThat(d.path("status").asString())
                .isEqualTo("delivered"));
    }

    @Test
    void conditionSelectsDevicesByFleetQuery() {
        TestTenant t = newTenant();
        Map<String, Object> body = route("pumps", sink.url(), List.of("io.fleetkeeper.device.status.changed"));
        body.put("condition", "type = \"pump\"");
        String routeId = createRoute(t, body).path("id").asString();
        String pump = createDevice(t.admin(), Map.of("name", "p", "device_type", "pump")).path("id").asString();
        String meter = createDevice(t.admin(), Map.of("name", "m", "device_type", "meter")).path("id").asString();
        for (String id : List.of(meter, pump)) {
            api.call("POST", "/api/v1/devices/" + id + "/suspend").token(t.admin()).send().expect(200);
        }
        awaitQueued(t, routeId, 1);
        assertThat(deliveries(t, routeId).getFirst().path("device_id").asString()).isEqualTo(pump);
    }

    @Test
    void testSendsASignedSampleAtOnce() {
        TestTenant t = newTenant();
        String routeId = createRoute(t, route("try", sink.url(), List.of("*"))).path("id").asString();
        JsonNode result = api.post(t.admin(), "/api/v1/routes/" + routeId + "/test", null).expect(200);
        assertThat(result.path("delivered").asBoolean()).isTrue();
        assertThat(result.path("status").asInt()).isEqualTo(204);
        WebhookSink.Received r = sink.received().getFirst();
        assertThat(r.signatureValid()).isTrue();
        assertThat(JSON.readTree(r.body()).path("type").asString()).isEqualTo("io.fleetkeeper.route.test");
        sink.answer(500);
        JsonNode failed = api.post(t.admin(), "/api/v1/routes/" + routeId + "/test", null).expect(200);
        assertThat(failed.path("delivered").asBoolean()).isFalse();
        assertThat(failed.path("status").asInt()).isEqualTo(500);
    }

    @Test
    void mqttRouteRepublishesEventsToTheBroker() throws Exception {
        io.fleetkeeper.testing.MosquittoClients.assumeInstalled();
        io.fleetkeeper.testing.MosquittoClients.assumeBroker(1883);
        TestTenant t = newTenant();
        Map<String, Object> body = route("mqtt", "mqtt://127.0.0.1:1883", List.of("io.fleetkeeper.device.created"));
        body.put("destination", Map.of("type", "mqtt", "url", "mqtt://127.0.0.1:1883",
                "topic", "fk-test/{tenant}/{type}/{device}", "qos", 1));
        JsonNode created = api.post(t.admin(), "/api/v1/routes", body).expect(201);
        assertThat(created.path("destination").has("secret")).isFalse();
        String routeId = created.path("id").asString();
        var clients = new io.fleetkeeper.testing.MosquittoClients(1883);
        String client = "fk-test-" + java.util.UUID.randomUUID();
        String filter = "fk-test/" + t.id() + "/#";
        // a persistent session subscribed first, so the broker keeps the message for the reader below
        clients.sub(List.of(), "-c", "-i", client, "-q", "1", "-t", filter, "-C", "1", "-W", "1").await(5);
        String device = createDevice(t.admin(), device("republished")).path("id").asString();
        awaitQueued(t, routeId, 1);
        Await.until(Duration.ofSeconds(10), "the delivery sent", () -> {
            worker.step();
            return deliveries(t, routeId).getFirst().path("status").asString().equals("delivered");
        });
        var read = clients.sub(List.of(), "-c", "-i", client, "-q", "1", "-t", filter, "-C", "1", "-W", "10", "-v")
                .await(15);
        String line = read.output().trim();
        assertThat(line).startsWith("fk-test/" + t.id() + "/io.fleetkeeper.device.created/" + device + " ");
        JsonNode ce = JSON.readTree(line.substring(line.indexOf(' ') + 1));
        assertThat(ce.path("subject").asString()).isEqualTo(device);
        assertThat(ce.path("tenantid").asString()).isEqualTo(t.id());

        Map<String, Object> refused = route("mqtt-private", "mqtt://10.0.0.1:1883", List.of("*"));
        refused.put("destination", Map.of("type", "mqtt", "url", "mqtt://10.0.0.1:1883", "topic", "x/{device}"));
        assertThat(api.post(t.admin(), "/api/v1/routes", refused).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("destination.url");
        Map<String, Object> wildcard = route("mqtt-wild", "mqtt://127.0.0.1:1883", List.of("*"));
        wildcard.put("destination", Map.of("type", "mqtt", "url", "mqtt://127.0.0.1:1883", "topic", "x/#", "qos", 2));
        assertThat(api.post(t.admin(), "/api/v1/routes", wildcard).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactlyInAnyOrder("destination.topic",
                        "destination.qos");
    }

    @Test
    void postgresqlRouteInsertsEventsIntoAUserTable() throws Exception {
        String schema = "fk_route_" + Long.toHexString(System.nanoTime());
        try (java.sql.Connection c = io.fleetkeeper.testing.TestPostgres.connect();
                java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
            st.execute("CREATE TABLE " + schema + ".device_events (event_id uuid PRIMARY KEY, kind text NOT NULL, "
                    + "device uuid, at timestamptz, name text, payload jsonb, whole jsonb)");
        } catch (java.sql.SQLException e) {
            System.out.println("SKIPPED: PostgreSQL route destination (no PostgreSQL at "
                    + io.fleetkeeper.testing.TestPostgres.URL + ": " + e.getMessage() + ")");
            org.junit.jupiter.api.Assumptions.abort("no PostgreSQL at " + io.fleetkeeper.testing.TestPostgres.URL);
        }
        try {
            TestTenant t = newTenant();
            Map<String, Object> body = route("warehouse", sink.url(), List.of("io.fleetkeeper.device.created"));
            Map<String, Object> columns = new LinkedHashMap<>();
            columns.put("event_id", "id");
            columns.put("kind", "type");
            columns.put("device", "device");
            columns.put("at", "time");
            columns.put("name", "data.device_id");
            columns.put("payload", "data");
            columns.put("whole", "event");
            body.put("destination", Map.of("type", "postgresql", "connection", "machine",
                    "table", schema + ".device_events", "columns", columns));
            JsonNode created = api.post(t.admin(), "/api/v1/routes", body).expect(201);
            assertThat(created.path("destination").path("table").asString()).isEqualTo(schema + ".device_events");
            assertThat(created.path("destination").has("url")).isFalse();
            String routeId = created.path("id").asString();

            String device = createDevice(t.admin(), device("piped")).path("id").asString();
            awaitQueued(t, routeId, 1);
            Await.until(Duration.ofSeconds(20), "the row inserted", () -> {
                worker.step();
                return deliveries(t, routeId).getFirst();
            }, d -> d.path("status").asString().equals("delivered"));
            try (java.sql.Connection c = io.fleetkeeper.testing.TestPostgres.connect();
                    java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT event_id, kind, device, at, "
                            + "name, payload->>'event' AS pname, whole->>'tenantid' AS tenant FROM " + schema
                            + ".device_events")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("kind")).isEqualTo("io.fleetkeeper.device.created");
                assertThat(rs.getString("device")).isEqualTo(device);
                assertThat(rs.getTimestamp("at")).isNotNull();
                assertThat(rs.getString("name")).isEqualTo(device);
                assertThat(rs.getString("pname")).isEqualTo("CREATED");
                assertThat(rs.getString("tenant")).isEqualTo(t.id());
                assertThat(rs.next()).isFalse();
            }

            // a statement that fails (a missing table) is retried, with PostgreSQL's error in the log
            api.patch(t.admin(), "/api/v1/routes/" + routeId, Map.of("destination",
                    Map.of("table", schema + ".missing")), "\"1\"").expect(200);
            createDevice(t.admin(), device("lost"));
            awaitQueued(t, routeId, 2);
            worker.step();
            JsonNode failed = deliveries(t, routeId).getFirst();
            assertThat(failed.path("status").asString()).isEqualTo("pending");
            assertThat(failed.path("last_error").asString()).contains("42P01");

            Map<String, Object> bad = route("bad", sink.url(), List.of("*"));
            bad.put("destination", Map.of("type", "postgresql", "connection", "nowhere", "table", "a.b.c",
                    "columns", Map.of("x;drop", "id", "y", "data..z"), "url", "http://x"));
            assertThat(api.post(t.admin(), "/api/v1/routes", bad).expectProblem(400, "VALIDATION_FAILED")
                    .path("errors").findValuesAsString("field")).contains("destination.connection",
                            "destination.table", "destination.columns", "destination.url");
            Map<String, Object> nats = route("nats", sink.url(), List.of("*"));
            nats.put("destination", Map.of("type", "nats", "subject", "out.{device}"));
            assertThat(api.post(t.admin(), "/api/v1/routes", nats).expectProblem(400, "VALIDATION_FAILED")
                    .path("errors").findValuesAsString("field")).containsExactly("destination.type");
        } finally {
            try (java.sql.Connection c = io.fleetkeeper.testing.TestPostgres.connect()) {
                c.createStatement().execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
