package io.fleetkeeper.carrier;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.HologramServer;
import io.fleetkeeper.testing.HologramServer.Sim;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Carrier integrations and device SIMs through the REST API, against a local server speaking Hologram's documented
 * API (query-string key, claim, state, usage by organisation, SMS) and failing the ways a carrier fails.
 */
class CarrierTests extends ApiTest {

    private static final String KEY = "hologram-secret-key-0123456789";
    private static final String ORG = "98765";

    @Autowired
    JdbcClient jdbc;
    @Autowired
    io.fleetkeeper.carrier.internal.IntegrationRepository integrations;
    @Autowired
    io.fleetkeeper.carrier.internal.CarrierSync carrierSync;

    private HologramServer hologram;
    private TestTenant tenant;

    @BeforeEach
    void start() {
        hologram = new HologramServer(KEY, ORG);
        tenant = newTenant();
    }

    @AfterEach
    void stop() {
        hologram.close();
    }

    @Test
    void theApiKeyIsSealedNeverReturnedNorLoggedAndTravelsAsAQueryParameter() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        try {
            Reply created = api.call("POST", "/api/v1/carrier-integrations").token(tenant.admin())
                    .body(fields("main")).send();
            assertThat(created.status()).isEqualTo(201);
            assertThat(created.body()).doesNotContain(KEY).doesNotContain("api_key");
            String id = created.json().path("id").asString();
            assertThat(created.json().path("status").asString()).isEqualTo("UNTESTED");
            assertThat(api.get(tenant.admin(), "/api/v1/carrier-integrations/" + id).body()).doesNotContain(KEY);
            assertThat(api.get(tenant.admin(), "/api/v1/carrier-integrations").body()).doesNotContain(KEY);
            String stored = jdbc.sql("SELECT api_key FROM carrier_integrations WHERE id = ?").param(id)
                    .query(String.class).single();
            assertThat(stored).startsWith("v1:").doesNotContain(KEY);

            JsonNode test = api.post(tenant.admin(), "/api/v1/carrier-integrations/" + id + "/test", null).expect(200);
            assertThat(test.path("ok").asBoolean()).isTrue();
            assertThat(test.path("plans").asInt()).isEqualTo(2);
            HologramServer.Request plans = hologram.requests("GET", "/plans").getFirst();
            assertThat(plans.query()).containsEntry("apikey", KEY).containsEntry("orgid", ORG);

            api.patch(tenant.admin(), "/api/v1/carrier-integrations/" + id, Map.of("api_key", "wrong-key"), null)
                    .expect(200);
            JsonNode refused = api.post(tenant.admin(), "/api/v1/carrier-integrations/" + id + "/test", null)
                    .expect(200);
            assertThat(refused.path("ok").asBoolean()).isFalse();
            assertThat(refused.path("error").asString()).contains("refused the API key").doesNotContain("wrong-key");
            JsonNode failing = api.get(tenant.admin(), "/api/v1/carrier-integrations/" + id).expect(200);
            assertThat(failing.path("status").asString()).isEqualTo("FAILING");
            api.post(tenant.admin(), "/api/v1/carrier-integrations/" + id + "/sync", null).expect(200);
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains(KEY) || m.contains("wrong-key"));
    }

    @Test
    void aSyncMadeWithAKeyReplacedSinceDoesNotOverwriteTheNewerStatus() {
        String id = integration("race");
        var before = integrations.find(java.util.UUID.fromString(tenant.id()), java.util.UUID.fromString(id))
                .orElseThrow(); // what a sync that started now would hold: the good key
        api.patch(tenant.admin(), "/api/v1/carrier-integrations/" + id, Map.of("api_key", "wrong-key"), null)
                .expect(200);
        assertThat(api.post(tenant.admin(), "/api/v1/carrier-integrations/" + id + "/test", null).expect(200)
                .path("ok").asBoolean()).isFalse();
        carrierSync.sync(before); // finishes after the operator's change, with the old key: the carrier accepts it
        assertThat(api.get(tenant.admin(), "/api/v1/carrier-integrations/" + id).expect(200).path("status")
                .asString()).as("the stale sync's OK is not recorded").isEqualTo("FAILING");
    }

    @Test
    void badIntegrationsAreRefusedAndChangeNothing() {
        Reply bad = api.call("POST", "/api/v1/carrier-integrations").token(tenant.admin()).body(Map.of(
                "name", "x", "carrier", "acme", "base_url", "http://169.254.169.254/latest", "org_id", "a b"))
                .send();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("code").asString()).isEqualTo("VALIDATION_FAILED");
        assertThat(bad.body()).contains("carrier").contains("base_url").contains("api_key").contains("org_id");
        Map<String, Object> own = new HashMap<>(fields("x"));
        own.put("tenant_id", newTenant().id());
        api.call("POST", "/api/v1/carrier-integrations").token(tenant.admin()).body(own).send()
                .expectProblem(400, "VALIDATION_FAILED");
        api.call("POST", "/api/v1/carrier-integrations").token(token(tenant, "operator")).body(fields("x")).send()
                .expectProblem(403, "FORBIDDEN");
        assertThat(api.get(tenant.admin(), "/api/v1/carrier-integrations").expect(200).path("items")).isEmpty();
        String id = integration("dup");
        api.call("POST", "/api/v1/carrier-integrations").token(tenant.admin()).body(fields("dup")).send()
                .expectProblem(409, "ALREADY_EXISTS");
        api.call("PATCH", "/api/v1/carrier-integrations/" + id).token(tenant.admin()).header("If-Match", "\"7\"")
                .body(Map.of("name", "renamed")).send().expectProblem(412, "PRECONDITION_FAILED");
    }

    @Test
    void aSimIsProvisionedFromTheDeviceLinkedAndShownWithoutTheConnectionView() {
        String integration = integration("main");
        String device = createDevice(tenant.admin(), device("tracker-1")).path("id").asString();
        String iccid = iccid();
        hologram.addSim(iccid);

        JsonNode sim = api.post(tenant.admin(), "/api/v1/devices/" + device + "/sim",
                Map.of("integration_id", integration, "iccid", iccid, "plan", "2096")).expect(201);
        assertThat(sim.path("iccid").asString()).isEqualTo(iccid);
        assertThat(sim.path("carrier").asString()).isEqualTo("hologram");
        assertThat(sim.path("plan").asString()).isEqualTo("2096");
        assertThat(sim.path("sim_status").asString()).isEqualTo("ACTIVE");
        assertThat(sim.path("carrier_state").asString()).isEqualTo("LIVE");

        HologramServer.Request claim = hologram.requests("POST", "/links/cellular/bulkclaim").getFirst();
        assertThat(claim.query()).containsEntry("apikey", KEY);
        assertThat(claim.body().path("sims").get(0).asString()).isEqualTo(iccid);
        assertThat(claim.body().path("plan").asLong()).isEqualTo(2096);
        assertThat(claim.body().path("zone").asString()).isEqualTo("global");
        assertThat(claim.body().path("orgid").asLong()).isEqualTo(Long.parseLong(ORG));

        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + device + "/sim").expect(200).path("iccid")
                .asString()).isEqualTo(iccid);
        assertThat(eventTypes(device)).contains("SIM-PROVISIONED");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=device.sim.provision").expect(200).path("items"))
                .hasSize(1);

        String other = createDevice(tenant.admin(), device("tracker-2")).path("id").asString();
        int claims = hologram.requests("POST", "/links/cellular/bulkclaim").size();
        api.call("POST", "/api/v1/devices/" + other + "/sim").token(tenant.admin())
                .body(Map.of("integration_id", integration, "iccid", iccid, "plan", "2096")).send()
                .expectProblem(409, "ALREADY_EXISTS");
        api.call("POST", "/api/v1/devices/" + device + "/sim").token(tenant.admin())
                .body(Map.of("integration_id", integration, "iccid", iccid(), "plan", "2096")).send()
                .expectProblem(409, "ALREADY_EXISTS");
        assertThat(hologram.requests("POST", "/links/cellular/bulkclaim")).hasSize(claims);

        api.delete(tenant.admin(), "/api/v1/devices/" + device + "/sim").expect(204);
        api.get(tenant.admin(), "/api/v1/devices/" + device + "/sim").expectProblem(404, "NOT_FOUND");
        assertThat(eventTypes(device)).contains("SIM-UNLINKED");
    }

    @Test
    void badIccidsAndUnknownIntegrationsAreRefusedBeforeTheCarrierIsCalled() {
        String integration = integration("main");
        String device = createDevice(tenant.admin(), device("meter-1")).path("id").asString();
        String good = iccid();
        String badCheck = good.substring(0, good.length() - 1) + (char) ('0' + (good.charAt(good.length() - 1) - '0' + 1) % 10);
        for (String bad : List.of(badCheck, "8901260123", "1101260000000000007", "89012600000000000x7")) {
            Reply r = api.call("POST", "/api/v1/devices/" + device + "/sim").token(tenant.admin())
                    .body(Map.of("integration_id", integration, "iccid", bad, "plan", "2096")).send();
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.body()).contains("iccid");
        }
        api.call("POST", "/api/v1/devices/" + device + "/sim").token(tenant.admin())
                .body(Map.of("integration_id", java.util.UUID.randomUUID().toString(), "iccid", good)).send()
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(hologram.requests("POST", "/links/cellular/bulkclaim")).isEmpty();

        Reply noPlan = api.call("POST", "/api/v1/devices/" + device + "/sim").token(tenant.admin())
                .body(Map.of("integration_id", integration, "iccid", good)).send();
        assertThat(noPlan.status()).isEqualTo(400);
        assertThat(noPlan.body()).contains("2096").contains("73");

        hologram.addSim(good);
        hologram.fail("/links/cellular/bulkclaim", 429, "30");
        Reply limited = api.call("POST", "/api/v1/devices/" + device + "/sim").token(tenant.admin())
                .body(Map.of("integration_id", integration, "iccid", good, "plan", "73")).send();
        assertThat(limited.status()).isEqualTo(503);
        assertThat(limited.header("Retry-After")).isEqualTo("30");
        hologram.heal();
        api.call("POST", "/api/v1/devices/" + device + "/sim").token(tenant.admin())
                .body(Map.of("integration_id", integration, "iccid", iccid(), "plan", "73")).send()
                .expectProblem(409, "CARRIER_REJECTED");
        api.get(tenant.admin(), "/api/v1/devices/" + device + "/sim").expectProblem(404, "NOT_FOUND");
    }

    @Test
    void pausingResumingAndAnSmsGoToTheCarrierAsItsApiSays() {
        String integration = integration("main");
        String device = createDevice(tenant.admin(), device("pump-1")).path("id").asString();
        Sim sim = provision(integration, device);

        JsonNode paused = api.post(tenant.admin(), "/api/v1/devices/" + device + "/sim/state",
                Map.of("state", "pause")).expect(200);
        assertThat(paused.path("sim_status").asString()).isEqualTo("PAUSED");
        HologramServer.Request state = hologram.requests("POST", "/devices/" + sim.device + "/state").getFirst();
        assertThat(state.body().path("state").asString()).isEqualTo("pause");
        assertThat(state.query()).containsEntry("apikey", KEY);
        assertThat(sim.state).isEqualTo("PAUSED-USER");
        assertThat(eventTypes(device)).contains("SIM-STATUS-CHANGED");

        api.post(tenant.admin(), "/api/v1/devices/" + device + "/sim/state", Map.of("state", "live")).expect(200);
        assertThat(sim.state).isEqualTo("LIVE");
        api.call("POST", "/api/v1/devices/" + device + "/sim/state").token(tenant.admin())
                .body(Map.of("state", "off")).send().expectProblem(400, "VALIDATION_FAILED");

        JsonNode sent = api.post(tenant.admin(), "/api/v1/devices/" + device + "/sim/sms",
                Map.of("body", "reboot now", "from_number", "15551234567")).expect(200);
        assertThat(sent.path("messages").asInt()).isEqualTo(1);
        HologramServer.Request sms = hologram.requests("POST", "/sms/incoming").getFirst();
        assertThat(sms.body().path("deviceid").asLong()).isEqualTo(sim.device);
        assertThat(sms.body().path("body").asString()).isEqualTo("reboot now");
        assertThat(sms.body().path("fromnumber").asString()).isEqualTo("15551234567");
        assertThat(sms.body().has("fromNumber")).isFalse();
        api.call("POST", "/api/v1/devices/" + device + "/sim/sms").token(tenant.admin())
                .body(Map.of("body", "")).send().expectProblem(400, "VALIDATION_FAILED");
        api.call("POST", "/api/v1/devices/" + device + "/sim/state").token(token(tenant, "viewer"))
                .body(Map.of("state", "pause")).send().expectProblem(403, "FORBIDDEN");
    }

    @Test
    void theSyncReadsUsageOncePerOrganisationAndStatesAndFleetQueriesSeeThem() {
        String integration = integration("main");
        String a = createDevice(tenant.admin(), device("a")).path("id").asString();
        String b = createDevice(tenant.admin(), device("b")).path("id").asString();
        Sim simA = provision(integration, a);
        Sim simB = provision(integration, b);
        long now = Instant.now().getEpochSecond();
        hologram.usagePageSize(2);
        hologram.addSession(simA, 3L << 20, now - 60);
        hologram.addSession(simA, 2L << 20, now - 30);
        hologram.addSession(simB, 1L << 19, now - 30);
        hologram.addSession(simA, 9L << 30, now - 40L * 24 * 3600); // a session of an earlier month
        simB.state = "PAUSED-SYS";
        simA.sessionOpen = true;

        JsonNode synced = api.post(tenant.admin(), "/api/v1/carrier-integrations/" + integration + "/sync", null)
                .expect(200);
        assertThat(synced.path("status").asString()).isEqualTo("OK");
        assertThat(synced.path("last_sync_at").isNull()).isFalse();
        List<HologramServer.Request> usage = hologram.requests("GET", "/usage/data").stream()
                .filter(r -> !r.query().containsKey("linkid")).toList();
        assertThat(usage).isNotEmpty().allSatisfy(r -> assertThat(r.query()).containsEntry("orgid", ORG));
        assertThat(usage).anySatisfy(r -> assertThat(r.query()).containsKey("startafter"));

        JsonNode simOfA = api.get(tenant.admin(), "/api/v1/devices/" + a + "/sim").expect(200);
        assertThat(simOfA.path("data_used_mb").asDouble()).isEqualTo(5.0);
        assertThat(simOfA.path("network_status").asString()).isEqualTo("ONLINE");
        assertThat(simOfA.path("network_name").asString()).isEqualTo("T-Mobile USA, Inc");
        JsonNode simOfB = api.get(tenant.admin(), "/api/v1/devices/" + b + "/sim").expect(200);
        assertThat(simOfB.path("data_used_mb").asDouble()).isEqualTo(0.5);
        assertThat(simOfB.path("sim_status").asString()).isEqualTo("PAUSED");
        assertThat(simOfB.path("carrier_state").asString()).isEqualTo("PAUSED-SYS");
        JsonNode changed = api.get(tenant.admin(), "/api/v1/devices/" + b + "/events?type=SIM-STATUS-CHANGED")
                .expect(200).path("items").get(0);
        assertThat(changed.path("details").path("source").asString()).isEqualTo("sync");
        assertThat(changed.path("details").path("to").asString()).isEqualTo("PAUSED");

        hologram.addSession(simB, 1L << 20, now - 10);
        simB.state = "LIVE";
        JsonNode refreshed = api.post(tenant.admin(), "/api/v1/devices/" + b + "/sim/refresh", null).expect(200);
        assertThat(refreshed.path("data_used_mb").asDouble()).isEqualTo(1.5);
        assertThat(refreshed.path("sim_status").asString()).isEqualTo("ACTIVE");
        assertThat(hologram.requests("GET", "/usage/data").getLast().query()).containsEntry("linkid",
                Long.toString(simB.link)).doesNotContainKey("orgid");
        simB.state = "PAUSED-SYS";
        api.post(tenant.admin(), "/api/v1/devices/" + b + "/sim/refresh", null).expect(200);

        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?query=" + enc("sim.status = \"PAUSED\""))
                .expect(200))).containsExactly(b);
        assertThat(ids(api.get(tenant.admin(), "/api/v1/devices?query=" + enc("sim.data_used_mb > 2"))
                .expect(200))).containsExactly(a);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count?query=" + enc("sim.carrier = \"hologram\""))
                .expect(200).path("count").asLong()).isEqualTo(2);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/count?query=" + enc("NOT sim.iccid EXISTS"))
                .expect(200).path("count").asLong()).isZero();
        api.call("GET", "/api/v1/devices?query=" + enc("sim.colour = \"red\"")).token(tenant.admin()).send()
                .expectProblem(400, "INVALID_QUERY");
        api.call("GET", "/api/v1/devices?query=" + enc("sim.data_used_mb > \"lots\"")).token(tenant.admin()).send()
                .expectProblem(400, "INVALID_QUERY");
    }

    @Test
    void carrierFailuresAreRecordedWithBackoffAndTheWorkerGoesOn() {
        String integration = integration("main");
        String device = createDevice(tenant.admin(), device("x")).path("id").asString();
        provision(integration, device);
        String path = "/api/v1/carrier-integrations/" + integration;

        hologram.fail("/usage/data", 429, "120");
        Instant before = Instant.now();
        JsonNode limited = api.post(tenant.admin(), path + "/sync", null).expect(200);
        assertThat(limited.path("status").asString()).isEqualTo("FAILING");
        assertThat(limited.path("last_error").asString()).contains("rate limited").contains("120");
        assertThat(Instant.parse(limited.path("next_sync_at").asString()))
                .isAfter(before.plusSeconds(110)).isBefore(Instant.now().plusSeconds(121));
        hologram.heal();

        hologram.answer("/usage/data", "<html>maintenance</html>");
        JsonNode malformed = api.post(tenant.admin(), path + "/sync", null).expect(200);
        assertThat(malformed.path("last_error").asString()).contains("not a JSON object");
        assertThat(malformed.path("failures").asInt()).isGreaterThanOrEqualTo(2);
        hologram.heal();

        hologram.fail("/usage/data", 503, null);
        assertThat(api.post(tenant.admin(), path + "/sync", null).expect(200).path("last_error").asString())
                .contains("HTTP 503");
        hologram.heal();

        hologram.hang("/usage/data");
        assertThat(api.post(tenant.admin(), path + "/sync", null).expect(200).path("last_error").asString())
                .contains("no answer within 1000 ms");
        hologram.heal();

        JsonNode ok = api.post(tenant.admin(), path + "/sync", null).expect(200);
        assertThat(ok.path("status").asString()).isEqualTo("OK");
        assertThat(ok.path("failures").asInt()).isZero();
        assertThat(ok.path("last_error").isNull()).isTrue();
    }

    @Test
    void theBackgroundWorkerSyncsADueIntegrationByItself() {
        String integration = integration("main");
        String device = createDevice(tenant.admin(), device("y")).path("id").asString();
        Sim sim = provision(integration, device);
        hologram.addSession(sim, 7L << 20, Instant.now().getEpochSecond() - 5);
        // A new key (the same one here) makes the integration due at once, whatever the worker did before.
        api.patch(tenant.admin(), "/api/v1/carrier-integrations/" + integration, Map.of("api_key", KEY), null)
                .expect(200);
        // a sync records the usage first and its outcome on the integration last
        Await.until(Duration.ofSeconds(15), "the worker's sync of the new integration",
                () -> api.get(tenant.admin(), "/api/v1/devices/" + device + "/sim").expect(200)
                        .path("data_used_mb").asDouble() == 7.0
                        && api.get(tenant.admin(), "/api/v1/carrier-integrations/" + integration).expect(200)
                                .path("status").asString().equals("OK"));
    }

    @Test
    void anotherTenantSeesNeitherIntegrationsNorSims() {
        String integration = integration("main");
        String device = createDevice(tenant.admin(), device("z")).path("id").asString();
        provision(integration, device);
        TestTenant other = newTenant();
        api.get(other.admin(), "/api/v1/carrier-integrations/" + integration).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/carrier-integrations").expect(200).path("items")).isEmpty();
        api.call("POST", "/api/v1/carrier-integrations/" + integration + "/test").token(other.admin()).send()
                .expectProblem(404, "NOT_FOUND");
        api.call("DELETE", "/api/v1/carrier-integrations/" + integration).token(other.admin()).send()
                .expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/devices/" + device + "/sim").expectProblem(404, "NOT_FOUND");
        api.call("POST", "/api/v1/devices/" + device + "/sim/state").token(other.admin())
                .body(Map.of("state", "deactivate")).send().expectProblem(404, "NOT_FOUND");
        String theirs = createDevice(other.admin(), device("theirs")).path("id").asString();
        api.call("POST", "/api/v1/devices/" + theirs + "/sim").token(other.admin())
                .body(Map.of("integration_id", integration, "iccid", iccid(), "plan", "2096")).send()
                .expectProblem(400, "VALIDATION_FAILED");
        api.call("DELETE", "/api/v1/carrier-integrations/" + integration).token(tenant.admin()).send()
                .expectProblem(409, "IN_USE");
    }

    @Test
    void operatorsManageEveryTenantsIntegrationsFilteredAndEveryAccessIsAudited() {
        String mine = integration("main");
        TestTenant other = newTenant();
        Map<String, Object> body = new HashMap<>(fields("ops-made"));
        body.put("tenant_id", other.id());
        JsonNode made = api.post(PLATFORM_TOKEN, "/api/v1/operator/carrier-integrations", body).expect(201);
        assertThat(made.path("tenant_id").asString()).isEqualTo(other.id());
        assertThat(api.get(other.admin(), "/api/v1/carrier-integrations/" + made.path("id").asString())
                .expect(200).path("name").asString()).isEqualTo("ops-made");

        JsonNode filtered = api.get(PLATFORM_TOKEN, "/api/v1/operator/carrier-integrations?tenant_id=" + tenant.id())
                .expect(200);
        assertThat(ids(filtered)).containsExactly(mine);
        assertThat(ids(api.get(PLATFORM_TOKEN, "/api/v1/operator/carrier-integrations?carrier=hologram&tenant_id="
                + other.id()).expect(200))).containsExactly(made.path("id").asString());
        assertThat(api.get(PLATFORM_TOKEN, "/api/v1/operator/carrier-integrations?carrier=acme").expect(200)
                .path("items")).isEmpty();
        api.get(PLATFORM_TOKEN, "/api/v1/operator/carrier-integrations/" + mine).expect(200);
        api.patch(PLATFORM_TOKEN, "/api/v1/operator/carrier-integrations/" + mine, Map.of("name", "renamed"), null)
                .expect(200);

        JsonNode audit = api.get(tenant.admin(), "/api/v1/audit?target_id=" + mine).expect(200).path("items");
        assertThat(audit.valueStream().map(e -> e.path("action").asString()).toList())
                .contains("carrier_integration.create", "operator.carrier_integration.read",
                        "operator.carrier_integration.update");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=operator.carrier_integration.list").expect(200)
                .path("items")).hasSize(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM audit_log WHERE tenant_id IS NULL AND action = ?")
                .param("operator.carrier_integration.list").query(Long.class).single()).isPositive();

        api.call("GET", "/api/v1/operator/carrier-integrations").token(tenant.admin()).send()
                .expectProblem(403, "FORBIDDEN");
        api.call("POST", "/api/v1/operator/carrier-integrations").token(PLATFORM_TOKEN).body(fields("no-tenant"))
                .send().expectProblem(400, "VALIDATION_FAILED");
        api.call("DELETE", "/api/v1/operator/carrier-integrations/" + made.path("id").asString())
                .token(PLATFORM_TOKEN).send();
        api.get(other.admin(), "/api/v1/carrier-integrations/" + made.path("id").asString())
                .expectProblem(404, "NOT_FOUND");
    }

    private Map<String, Object> fields(String name) {
        return Map.of("name", name, "carrier", "hologram", "base_url", hologram.baseUrl(), "api_key", KEY,
                "org_id", ORG);
    }

    private String integration(String name) {
        return api.post(tenant.admin(), "/api/v1/carrier-integrations", fields(name)).expect(201).path("id")
                .asString();
    }

    private Sim provision(String integration, String device) {
        String iccid = iccid();
        Sim sim = hologram.addSim(iccid);
        api.post(tenant.admin(), "/api/v1/devices/" + device + "/sim",
                Map.of("integration_id", integration, "iccid", iccid, "plan", "2096")).expect(201);
        return sim;
    }

    private List<String> eventTypes(String device) {
        return api.get(tenant.admin(), "/api/v1/devices/" + device + "/events").expect(200).path("items")
                .valueStream().map(e -> e.path("type").asString()).toList();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A valid 19-digit ICCID: 89, 16 random digits, the Luhn check digit. */
    static String iccid() {
        return HologramServer.iccid();
    }
}
