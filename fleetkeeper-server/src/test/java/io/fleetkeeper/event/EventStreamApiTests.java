package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The live event stream over real HTTP: CloudEvents per tenant, filters, resume with Last-Event-ID. */
class EventStreamApiTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private SseClient open(String token, String query, String lastEventId) throws Exception {
        SseClient c = new SseClient(api.uri("/api/v1/events/stream" + (query == null ? "" : "?" + query)), token,
                lastEventId);
        assertThat(c.status()).isEqualTo(200);
        return c;
    }

    @Test
    void aClientClosingItsStreamIsLoggedAtDebugNotAsAnError() throws Exception {
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
                new ch.qos.logback.core.read.ListAppender<>();
        ch.qos.logback.classic.Logger handler = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger("io.fleetkeeper.web.ProblemHandler");
        ch.qos.logback.classic.Level level = handler.getLevel();
        handler.setLevel(ch.qos.logback.classic.Level.DEBUG);
        log.start();
        handler.addAppender(log);
        try {
            TestTenant t = newTenant();
            open(t.admin(), null, null).close();
            Await.until(Duration.ofSeconds(30), "the server noticing the closed stream", () -> {
                createDevice(t.admin(), device(randomName("d-"))); // an event the stream writes to the closed socket
                return List.copyOf(log.list);
            }, events -> events.stream().anyMatch(e -> e.getFormattedMessage().startsWith("client disconnected")));
            assertThat(log.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                    .isEmpty();
        } finally {
            handler.detachAppender(log);
            handler.setLevel(level);
        }
    }

    @Test
    void streamCarriesTheTenantsEventsAsCloudEventsAndResumesAfterLastEventId() throws Exception {
        TestTenant a = newTenant();
        TestTenant b = newTenant();
        String firstId;
        String deviceId;
        try (SseClient stream = open(a.admin(), null, null)) {
            deviceId = createDevice(a.admin(), device("pump")).path("id").asString();
            createDevice(b.admin(), device("other-tenant"));
            api.call("POST", "/api/v1/devices/" + deviceId + "/suspend").token(a.admin()).send().expect(200);
            List<SseClient.Event> got = stream.take(2, WAIT);
            assertThat(got).extracting(SseClient.Event::event)
                    .containsExactly("io.fleetkeeper.device.created", "io.fleetkeeper.device.status.changed");
            JsonNode ce = JSON.readTree(got.get(1).data());
            assertThat(ce.path("specversion").asString()).isEqualTo("1.0");
            assertThat(ce.path("type").asString()).isEqualTo("io.fleetkeeper.device.status.changed");
            assertThat(ce.path("subject").asString()).isEqualTo(deviceId);
            assertThat(ce.path("tenantid").asString()).isEqualTo(a.id());
            assertThat(ce.path("source").asString()).isEqualTo("/fleetkeeper/tenants/" + a.id());
            assertThat(ce.path("id").asString()).isNotBlank();
            assertThat(ce.path("time").asString()).isNotBlank();
            assertThat(ce.path("data").path("details").path("to").asString()).isEqualTo("suspended");
            assertThat(Long.parseLong(got.get(1).id())).isGreaterThan(Long.parseLong(got.get(0).id()));
            assertThat(stream.poll(Duration.ofMillis(500))).as("another tenant's event").isNull();
            firstId = got.get(0).id();
        }
        api.call("POST", "/api/v1/devices/" + deviceId + "/resume").token(a.admin()).send().expect(200);
        try (SseClient resumed = open(a.admin(), null, firstId)) {
            assertThat(resumed.take(2, WAIT)).extracting(SseClient.Event::data)
                    .allSatisfy(d -> assertThat(JSON.readTree(d).path("type").asString())
                            .isEqualTo("io.fleetkeeper.device.status.changed"));
        }
    }

    @Test
    void streamFiltersByTypeAndFleetQuery() throws Exception {
        TestTenant t = newTenant();
        String pump = createDevice(t.admin(), Map.of("name", "p", "device_type", "pump")).path("id").asString();
        String meter = createDevice(t.admin(), Map.of("name", "m", "device_type", "meter")).path("id").asString();
        String q = "type=io.fleetkeeper.device.status.changed&query="
                + URLEncoder.encode("type = \"pump\"", StandardCharsets.UTF_8);
        try (SseClient stream = open(t.admin(), q, null)) {
            for (String id : List.of(meter, pump)) {
                api.patch(t.admin(), "/api/v1/devices/" + id, Map.of("firmware_version", "2.0.0"), null).expect(200);
                api.call("POST", "/api/v1/devices/" + id + "/suspend").token(t.admin()).send().expect(200);
            }
            SseClient.Event e = stream.take(1, WAIT).getFirst();
            assertThat(JSON.readTree(e.data()).path("subject").asString()).isEqualTo(pump);
            assertThat(e.event()).isEqualTo("io.fleetkeeper.device.status.changed");
            assertThat(stream.poll(Duration.ofMillis(500))).isNull();
        }
    }

    @Test
    void jobStatusChangesAreEventsToo() throws Exception {
        TestTenant t = newTenant();
        try (SseClient stream = open(t.admin(), "type=io.fleetkeeper.job.created,io.fleetkeeper.job.canceled", null)) {
            String job = api.post(t.admin(), "/api/v1/jobs", Map.of("target", Map.of("query", "type = \"x\""),
                    "operation", Map.of("type", "suspend"))).expect(201).path("id").asString();
            api.post(t.admin(), "/api/v1/jobs/" + job + "/cancel", null).expect(200);
            List<SseClient.Event> got = stream.take(2, WAIT);
            assertThat(got).extracting(SseClient.Event::event)
                    .containsExactly("io.fleetkeeper.job.created", "io.fleetkeeper.job.canceled");
            JsonNode canceled = JSON.readTree(got.get(1).data()).path("data");
            assertThat(canceled.path("job_id").asString()).isEqualTo(job);
            assertThat(canceled.path("status").asString()).isEqualTo("CANCELED");
            assertThat(canceled.path("from").asString()).isEqualTo("IN_PROGRESS");
        }
    }

    @Test
    void badFiltersAreRefused() {
        TestTenant t = newTenant();
        api.get(t.admin(), "/api/v1/events/stream?type=io.fleetkeeper.nope").expectProblem(400, "INVALID_PARAMETER");
        api.get(t.admin(), "/api/v1/events/stream?query=" + URLEncoder.encode("type ==", StandardCharsets.UTF_8))
                .expectProblem(400, "INVALID_QUERY");
        api.call("GET", "/api/v1/events/stream").token(t.admin()).header("Last-Event-ID", "abc").send()
                .expectProblem(400, "INVALID_PARAMETER");
        api.get(null, "/api/v1/events/stream").expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void aRefusedProvisioningAttemptIsAnEventOfItsTenant() throws Exception {
        TestTenant t = newTenant();
        JsonNode key = api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "line 3")).expect(201);
        api.post(t.admin(), "/api/v1/provisioning-keys/" + key.path("id").asString() + "/revoke", null).expect(200);
        try (SseClient stream = open(t.admin(), "type=io.fleetkeeper.provisioning.failed", null)) {
            api.call("POST", "/api/v1/devices/register").header("X-Provisioning-Key", key.path("key").asString())
                    .body(Map.of("name", "late", "type", "meter")).send().expectProblem(401, "UNAUTHENTICATED");
            JsonNode ce = JSON.readTree(stream.take(1, WAIT).getFirst().data());
            assertThat(ce.path("type").asString()).isEqualTo("io.fleetkeeper.provisioning.failed");
            assertThat(ce.path("tenantid").asString()).isEqualTo(t.id());
            assertThat(ce.path("data").path("method").asString()).isEqualTo("register");
            assertThat(ce.path("data").path("credential").asString()).isEqualTo("provisioning_key");
            assertThat(ce.path("data").path("credential_id").asString()).isEqualTo(key.path("id").asString());
            assertThat(ce.path("data").toString()).doesNotContain(key.path("key").asString());
        }
    }

    @Test
    void aTenantMayHoldOnlySoManyStreamsOpen() throws Exception {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        List<SseClient> streams = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                streams.add(open(t.admin(), null, null));
            }
            api.call("GET", "/api/v1/events/stream").token(t.admin())
                    .header("Accept", "text/event-stream, application/problem+json").send()
                    .expectProblem(429, "TOO_MANY_STREAMS");
            open(other.admin(), null, null).close(); // another tenant is not held back
            streams.removeFirst().close();
            // the server learns that a client left when a write fails (the second heartbeat at the latest: 1 s here)
            Await.until(Duration.ofSeconds(60), "a stream admitted again after one closed", () -> {
                SseClient c = new SseClient(api.uri("/api/v1/events/stream"), t.admin(), null);
                if (c.status() == 200) {
                    streams.add(c);
                    return true;
                }
                c.close();
                return false;
            });
        } finally {
            streams.forEach(SseClient::close);
        }
    }
}
