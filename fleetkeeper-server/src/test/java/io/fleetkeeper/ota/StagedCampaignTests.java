package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.job.JobProperties;
import io.fleetkeeper.job.internal.ExecutionRepository;
import io.fleetkeeper.job.internal.JobEngine;
import io.fleetkeeper.job.internal.JobJudge;
import io.fleetkeeper.job.internal.JobRepository;
import io.fleetkeeper.job.internal.JobSpecs;
import io.fleetkeeper.job.internal.Operations;
import io.fleetkeeper.job.internal.Outcomes;
import io.fleetkeeper.job.internal.Targets;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.MutableClock;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAdjusters;
import io.fleetkeeper.testing.TestTenant;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;

/**
 * Staged campaigns over a fleet query, run by a job engine on a clock the test moves (the suite's context runs
 * no job runner): waves wait for their success threshold and soak time, an error threshold aborts, the
 * maintenance window and the start time hold the rollout back, devices that do not fit are skipped. Devices
 * take part through the hawkBit DDI API, including a cancel request and their attributes (configData).
 */
class StagedCampaignTests extends ApiTest {

    @Autowired JobRepository jobRepository;
    @Autowired ExecutionRepository executionRepository;
    @Autowired JobSpecs specs;
    @Autowired Targets targets;
    @Autowired Operations operations;
    @Autowired Outcomes outcomes;
    @Autowired JobJudge judge;
    @Autowired DeviceService deviceService;
    @Autowired CommandService commandService;
    @Autowired JobProperties props;
    @Autowired PlatformTransactionManager txManager;
    @Autowired DeviceListener listener;

    private TestTenant tenant;
    private MqttDevices devices;
    private DevicePort port;
    private MutableClock clock;
    private JobEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        tenant = newTenant();
        devices = new MqttDevices(api);
        port = new DevicePort(api, listener.port());
        clock = new MutableClock(Instant.now());
        engine = new JobEngine(jobRepository, executionRepository, specs, targets, operations, outcomes, judge,
                deviceService, commandService, props, txManager, clock, "ota-node-" + UUID.randomUUID());
    }

    private void run(int seconds) {
        for (int i = 0; i < seconds; i++) {
            engine.tick();
            clock.advance(Duration.ofSeconds(1));
        }
    }

    private Map<String, KeyDevice> fleet(String prefix, int n) {
        Map<String, KeyDevice> all = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            KeyDevice d = devices.keyDevice(tenant, prefix + i);
            all.put(d.id(), d);
        }
        return all;
    }

    private String firmware(String version) {
        String id = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", version))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + id + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString("image")).send().expect(201);
        return id;
    }

    /** Creates the campaign, then brings the test clock up to the server's time of creation. */
    private JsonNode create(Map<String, Object> body) {
        JsonNode c = api.post(tenant.admin(), "/api/v1/campaigns", body).expect(201);
        Instant created = Instant.parse(c.path("created_at").asString());
        if (clock.instant().isBefore(created)) {
            clock.advance(Duration.between(clock.instant(), created));
        }
        return c;
    }

    private JsonNode campaign(String id) {
        return api.get(tenant.admin(), "/api/v1/campaigns/" + id).expect(200);
    }

    /** Action status by device id. */
    private Map<String, String> actions(String campaignId) {
        Map<String, String> all = new HashMap<>();
        api.get(tenant.admin(), "/api/v1/campaigns/" + campaignId + "/devices?limit=100").expect(200).path("items")
                .forEach(a -> all.put(a.path("device_id").asString(), a.path("status").asString()));
        return all;
    }

    private static Map<String, String> auth(KeyDevice d) {
        return Map.of("Authorization", "TargetToken " + d.key(), "Accept", "application/hal+json");
    }

    private String base(KeyDevice d) {
        return "/" + tenant.id() + "/controller/v1/" + d.id();
    }

    private JsonNode poll(KeyDevice d) {
        return port.call("GET", base(d), auth(d), null).expect(200);
    }

    private static Map<String, Object> feedback(String execution, String finished) {
        return Map.of("id", 1, "time", "20261203T110000", "status", Map.of("execution", execution,
                "result", Map.of("finished", finished), "details", List.of("from the test")));
    }

    /** The device polls, reads its deployment and reports {@code finished} (success or failure). */
    private void install(KeyDevice d, String finished) {
        String href = poll(d).path("_links").path("deploymentBase").path("href").asString();
        assertThat(href).as("deployment offered to " + d.id()).isNotEmpty();
        String path = URI.create(href).getRawPath();
        port.call("GET", path, auth(d), null).expect(200);
        port.post(path + "/feedback", auth(d), feedback("proceeding", "none")).expect(200);
        port.post(path + "/feedback", auth(d), feedback("closed", finished)).expect(200);
    }

    private static long count(JsonNode campaign, String status) {
        return campaign.path("rollout").path("counts").path(status).asLong();
    }

    @Test
    void wavesStartOnlyAfterTheLastOneSucceededAndSoaked() {
        Map<String, KeyDevice> fleet = fleet("w-", 6);
        String fw = firmware("2.0");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("firmware_id", fw);
        body.put("target", Map.of("query", "name = \"w-*\""));
        body.put("waves", List.of(Map.of("count", 2, "success_threshold", 100, "soak_seconds", 600),
                Map.of("percent", 50, "success_threshold", 50)));
        JsonNode c = create(body);
        String id = c.path("id").asString();
        assertThat(c.path("job_id").asString()).isNotEmpty();
        run(3);

        JsonNode now = campaign(id);
        assertThat(count(now, "IN_PROGRESS")).isEqualTo(2);
        assertThat(count(now, "QUEUED")).isEqualTo(4);
        assertThat(now.path("rollout").path("wave").asInt()).isEqualTo(1);
        Map<String, String> first = actions(id);
        assertThat(first.values()).containsOnly("QUEUED").hasSize(2);
        KeyDevice waiting = fleet.values().stream().filter(d -> !first.containsKey(d.id())).findFirst().orElseThrow();
        assertThat(poll(waiting).path("_links").has("deploymentBase")).isFalse();

        first.keySet().forEach(d -> install(fleet.get(d), "success"));
        run(2);
        now = campaign(id);
        assertThat(count(now, "SUCCEEDED")).isEqualTo(2);
        assertThat(count(now, "QUEUED")).as("the first wave soaks").isEqualTo(4);
        assertThat(now.path("rollout").path("wave_passed_at").isNull()).isFalse();
        clock.advance(Duration.ofSeconds(588));
        run(2);
        assertThat(count(campaign(id), "QUEUED")).as("still soaking").isEqualTo(4);
        clock.advance(Duration.ofSeconds(10));
        run(3);
        now = campaign(id);
        assertThat(now.path("rollout").path("wave").asInt()).isEqualTo(2);
        assertThat(count(now, "IN_PROGRESS")).as("wave 2 adds 50 % of 6 devices").isEqualTo(3);

        Map<String, String> second = new HashMap<>(actions(id));
        first.keySet().forEach(second::remove);
        assertThat(second).hasSize(3);
        second.keySet().forEach(d -> install(fleet.get(d), "success"));
        run(3);
        now = campaign(id);
        assertThat(now.path("rollout").path("wave").asInt()).as("past the last wave").isEqualTo(3);
        assertThat(count(now, "IN_PROGRESS")).as("the rest follow the last wave").isEqualTo(1);
        actions(id).forEach((d, s) -> {
            if (s.equals("QUEUED")) {
                install(fleet.get(d), "success");
            }
        });
        run(2);
        now = campaign(id);
        assertThat(now.path("state").asString()).isEqualTo("COMPLETED");
        assertThat(now.path("counts").path("SUCCEEDED").asLong()).isEqualTo(6);
        for (String d : fleet.keySet()) {
            assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d).expect(200).path("firmware_version")
                    .asString()).isEqualTo("2.0");
        }
    }

    @Test
    void reachingTheErrorThresholdAbortsTheCampaignAndCancelsTheRest() {
        Map<String, KeyDevice> fleet = fleet("e-", 5);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("firmware_id", firmware("3.0"));
        body.put("target", Map.of("query", "name = \"e-*\""));
        body.put("waves", List.of(Map.of("count", 2, "error_threshold", 1)));
        String id = create(body).path("id").asString();
        run(2);
        List<String> started = new ArrayList<>(actions(id).keySet());
        assertThat(started).hasSize(2);
        install(fleet.get(started.get(0)), "failure");
        run(2);
        JsonNode now = campaign(id);
        assertThat(now.path("state").asString()).as(now.toString()).isEqualTo("ABORTED");
        assertThat(count(now, "FAILED")).isEqualTo(1);
        assertThat(count(now, "CANCELED")).as("the devices not yet offered").isEqualTo(3);
        assertThat(count(now, "IN_PROGRESS")).as("the other started device may finish").isEqualTo(1);
        run(5);
        assertThat(actions(id)).hasSize(2);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + started.get(0) + "/events").expect(200)
                .path("items").toString()).contains("OTA-FAILED");
    }

    @Test
    void maintenanceWindowStartTimeAndSkippedDevices() {
        Map<String, KeyDevice> fleet = fleet("m-", 3);
        String current = fleet.keySet().iterator().next();
        api.patch(tenant.admin(), "/api/v1/devices/" + current, Map.of("firmware_version", "4.0"), null).expect(200);
        // Monday 7 December 2026, 00:30 UTC = 01:30 in Paris; the window opens at 02:00 Paris time on Mondays.
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-12-07T00:30:00Z")));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("firmware_id", firmware("4.0"));
        body.put("target", Map.of("query", "name = \"m-*\""));
        body.put("start_at", Instant.parse("2026-12-07T00:40:00Z").toString());
        body.put("maintenance_window", Map.of("days", List.of("MON"), "from", "02:00", "to", "03:00",
                "time_zone", "Europe/Paris"));
        String id = create(body).path("id").asString();
        run(60);
        assertThat(count(campaign(id), "QUEUED")).as("before the window").isEqualTo(3);
        clock.advance(Duration.ofMinutes(29)); // 01:00:xx UTC, 02:00 in Paris
        run(3);
        JsonNode now = campaign(id);
        assertThat(count(now, "QUEUED")).as("inside the window (after start_at)").isZero();
        assertThat(actions(id).get(current)).isEqualTo("SKIPPED");
        assertThat(now.path("counts").path("QUEUED").asLong()).isEqualTo(2);
        JsonNode devicesPage = api.get(tenant.admin(), "/api/v1/campaigns/" + id + "/devices").expect(200);
        devicesPage.path("items").forEach(a -> {
            if (a.path("device_id").asString().equals(current)) {
                assertThat(a.path("detail").asString()).contains("already runs version 4.0");
            }
        });
    }

    @Test
    void windowClosedMeansNoDeviceIsOffered() {
        fleet("c-", 2);
        // Tuesday 8 December 2026 12:00 UTC: outside a Monday-only window.
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-12-08T12:00:00Z")));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("firmware_id", firmware("5.0"));
        body.put("target", Map.of("query", "name = \"c-*\""));
        body.put("maintenance_window", Map.of("days", List.of("MON"), "from", "22:00", "to", "04:00"));
        String id = create(body).path("id").asString();
        run(5);
        assertThat(count(campaign(id), "QUEUED")).isEqualTo(2);
        // The window spans midnight: Monday 22:00 to Tuesday 04:00 UTC; Tuesday 03:00 is inside it.
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-12-15T03:00:00Z")));
        run(2);
        assertThat(count(campaign(id), "IN_PROGRESS")).isEqualTo(2);
    }

    @Test
    void ddiShowsTheMaintenanceWindowAndADownloadOnlyDeviceEndsDownloaded() {
        KeyDevice d = fleet("d-", 1).values().iterator().next();
        // A window around the server's own clock (which the test does not move): available.
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("firmware_id", firmware("8.0"));
        body.put("target", Map.of("query", "name = \"d-*\""));
        body.put("update", "skip");
        body.put("maintenance_window", Map.of("from", now.minusHours(3).format(hhmm), "to",
                now.plusHours(3).format(hhmm)));
        JsonNode c = create(body);
        assertThat(c.path("download").asString()).isEqualTo("forced");
        assertThat(c.path("update").asString()).isEqualTo("skip");
        String id = c.path("id").asString();
        run(3);
        String href = poll(d).path("_links").path("deploymentBase").path("href").asString();
        String path = URI.create(href).getRawPath();
        JsonNode deployment = port.call("GET", path, auth(d), null).expect(200).path("deployment");
        assertThat(deployment.path("download").asString()).isEqualTo("forced");
        assertThat(deployment.path("update").asString()).isEqualTo("skip");
        assertThat(deployment.path("maintenanceWindow").asString()).isEqualTo("available");
        port.post(path + "/feedback", auth(d), feedback("proceeding", "none")).expect(200);
        assertThat(actions(id).get(d.id())).isEqualTo("DOWNLOADING");
        port.post(path + "/feedback", auth(d), feedback("downloaded", "none")).expect(200);
        assertThat(actions(id).get(d.id())).as("final for a download-only campaign").isEqualTo("DOWNLOADED");
        assertThat(poll(d).path("_links").has("deploymentBase")).as("nothing left to do").isFalse();
        port.post(path + "/feedback", auth(d), feedback("proceeding", "none")).expect(200);
        port.post(path + "/feedback", auth(d), feedback("closed", "success")).expectProblem(409,
                "INVALID_TRANSITION");
        assertThat(actions(id).get(d.id())).isEqualTo("DOWNLOADED");
        run(3);
        assertThat(campaign(id).path("state").asString()).isEqualTo("COMPLETED");

        // A window that is closed on the server's clock: the device may download but not install.
        KeyDevice u = fleet("u-", 1).values().iterator().next();
        DayOfWeek later = LocalDate.now(ZoneOffset.UTC).getDayOfWeek().plus(3);
        body.put("target", Map.of("query", "name = \"u-*\""));
        body.put("firmware_id", firmware("8.1"));
        body.put("update", "forced");
        body.put("maintenance_window", Map.of("days", List.of(later.name().substring(0, 3)), "from", "00:00",
                "to", "01:00"));
        create(body);
        Instant inside = LocalDate.now(ZoneOffset.UTC).with(TemporalAdjusters.next(later)).atTime(0, 30)
                .toInstant(ZoneOffset.UTC);
        clock.advance(Duration.between(clock.instant(), inside));
        run(3);
        String closed = URI.create(poll(u).path("_links").path("deploymentBase").path("href").asString())
                .getRawPath();
        JsonNode outside = port.call("GET", closed, auth(u), null).expect(200).path("deployment");
        assertThat(outside.path("maintenanceWindow").asString()).isEqualTo("unavailable");
        assertThat(outside.path("update").asString()).isEqualTo("skip");
        assertThat(outside.path("download").asString()).isEqualTo("forced");
    }

    @Test
    void aCanceledCampaignReachesTheDeviceThroughCancelAction() {
        Map<String, KeyDevice> fleet = fleet("k-", 1);
        KeyDevice d = fleet.values().iterator().next();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("firmware_id", firmware("6.0"));
        body.put("target", Map.of("query", "name = \"k-*\""));
        String id = create(body).path("id").asString();
        run(2);
        String href = poll(d).path("_links").path("deploymentBase").path("href").asString();
        String path = URI.create(href).getRawPath();
        long actionId = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
        port.post(path + "/feedback", auth(d), feedback("proceeding", "none")).expect(200);

        api.post(tenant.admin(), "/api/v1/campaigns/" + id + "/cancel", Map.of()).expect(200);
        assertThat(actions(id).get(d.id())).isEqualTo("CANCELING");
        JsonNode links = poll(d).path("_links");
        assertThat(links.has("deploymentBase")).isFalse();
        String cancel = URI.create(links.path("cancelAction").path("href").asString()).getRawPath();
        assertThat(cancel).endsWith("/cancelAction/" + actionId);
        JsonNode ca = port.call("GET", cancel, auth(d), null).expect(200);
        assertThat(ca.path("cancelAction").path("stopId").asString()).isEqualTo(Long.toString(actionId));

        // Refused first (the device goes on), then the operator's second request is confirmed.
        port.post(cancel + "/feedback", auth(d), feedback("rejected", "none")).expect(200);
        assertThat(actions(id).get(d.id())).isEqualTo("DOWNLOADING");
        port.post(cancel + "/feedback", auth(d), Map.of("status", Map.of("execution", "bogus"))).expect(400);
        assertThat(actions(id).get(d.id())).isEqualTo("DOWNLOADING");
        api.post(tenant.admin(), "/api/v1/campaigns/" + id + "/cancel", Map.of()).expect(200);
        assertThat(actions(id).get(d.id())).isEqualTo("CANCELING");
        port.post(cancel + "/feedback", auth(d), feedback("closed", "success")).expect(200);
        assertThat(actions(id).get(d.id())).isEqualTo("CANCELED");
        JsonNode c = campaign(id);
        assertThat(c.path("state").asString()).isEqualTo("CANCELED");
        assertThat(count(c, "CANCELED")).isEqualTo(1);
        assertThat(poll(d).path("_links").has("cancelAction")).isFalse();
        // Another device cannot read this device's cancel request.
        KeyDevice other = devices.keyDevice(tenant, "other");
        port.call("GET", "/" + tenant.id() + "/controller/v1/" + other.id() + "/cancelAction/" + actionId,
                auth(other), null).expect(404);
    }

    @Test
    void configDataKeepsTheDevicesAttributesInItsMetadata() {
        KeyDevice d = devices.keyDevice(tenant, "attrs");
        assertThat(poll(d).path("_links").has("configData")).isTrue();
        String config = base(d) + "/configData";
        port.call("PUT", config, auth(d), Map.of("data", List.of("x"))).expect(400);
        port.call("PUT", config, auth(d), Map.of("data", Map.of("k", Map.of("nested", 1)))).expect(400);
        port.call("PUT", config, auth(d), Map.of("mode", "sideways", "data", Map.of("k", "v"))).expect(400);
        assertThat(poll(d).path("_links").has("configData")).as("nothing stored by bad input").isTrue();

        // SWUpdate's body: id, time and status beside hawkBit's fields.
        port.call("PUT", config, auth(d), Map.of("id", "", "time", "20261203T110000", "status",
                Map.of("result", Map.of("finished", "success"), "execution", "closed"),
                "data", Map.of("board", "rpi4", "revision", "1.2"))).expect(200);
        port.call("PUT", config, auth(d), Map.of("mode", "merge", "data", Map.of("revision", "1.3"))).expect(200);
        JsonNode attrs = api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("metadata")
                .path("ddi_attributes");
        assertThat(attrs.path("board").asString()).isEqualTo("rpi4");
        assertThat(attrs.path("revision").asString()).isEqualTo("1.3");
        assertThat(poll(d).path("_links").has("configData")).isFalse();
        port.call("PUT", config, auth(d), Map.of("mode", "remove", "data", Map.of("board", ""))).expect(200);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("metadata")
                .path("ddi_attributes").has("board")).isFalse();
    }

    @Test
    void badCampaignsAreRefusedAndCreateNothing() {
        String fw = firmware("7.0");
        List<Map<String, Object>> bad = List.of(
                Map.of("firmware_id", fw, "target", Map.of("query", "name = \"x\"", "device_ids",
                        List.of(UUID.randomUUID()))),
                Map.of("firmware_id", fw, "target", Map.of("query", "name = \"x\""), "waves",
                        List.of(Map.of("count", 1, "percent", 10))),
                Map.of("firmware_id", fw, "target", Map.of("query", "name = \"x\""), "waves",
                        List.of(Map.of("count", 1, "error_threshold", 0))),
                Map.of("firmware_id", fw, "target", Map.of("query", "name = \"x\""), "maintenance_window",
                        Map.of("from", "25:00", "to", "03:00")),
                Map.of("firmware_id", fw, "target", Map.of("query", "name = \"x\""), "maintenance_window",
                        Map.of("from", "01:00", "to", "03:00", "time_zone", "Mars/Olympus")),
                Map.of("firmware_id", fw, "target", Map.of("query", "name = \"x\""), "retries", 99),
                Map.of("firmware_id", fw, "target", Map.of("query", "name ~~ broken")),
                Map.of("firmware_id", fw, "target", Map.of("device_ids", List.of(UUID.randomUUID())), "waves",
                        List.of(Map.of("count", 1))));
        for (Map<String, Object> b : bad) {
            var reply = api.post(tenant.admin(), "/api/v1/campaigns", b);
            assertThat(reply.status()).as(b.toString()).isEqualTo(400);
            assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        }
        assertThat(api.get(tenant.admin(), "/api/v1/jobs").expect(200).path("items")).isEmpty();
        api.post(tenant.admin(), "/api/v1/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("group_id", UUID.randomUUID()))).expect(404);
        TestTenant other = newTenant();
        api.post(other.admin(), "/api/v1/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("query", "name = \"x\""))).expect(404);
    }
}
