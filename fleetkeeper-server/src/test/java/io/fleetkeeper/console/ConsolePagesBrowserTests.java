package io.fleetkeeper.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.event.internal.OfflineAlerts;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.HologramServer;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.Reply;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The console's setup, monitoring and maintenance pages in a real headless Chromium against the shared test
 * server: each test signs in with a token of a tenant of its own, does the page's main action through the browser
 * and checks the result through the REST API. The accessibility test runs axe-core on every page and writes a
 * screenshot of each under {@code target/console-screenshots/}.
 */
class ConsolePagesBrowserTests extends ConsoleBrowserTest {

    @Autowired
    private DeviceListener listener;
    @Autowired
    private ConnectionStateRecorder recorder;
    @Autowired
    private OfflineAlerts offline;

    @Test
    void anEdgeRegistrationKeyIsShownOnceRegistersADeviceAndIsRevoked() {
        page.signIn(tenant.admin());
        page.open("/app/settings/provisioning-keys");
        page.type("#key-label", "line <3>");
        page.submit("#key-create");
        String secret = page.text("#issued-secret");
        assertThat(secret).isNotBlank();
        browser.screenshot("provisioning-key-created");
        Reply registered = api.call("POST", "/api/v1/devices/register").header("X-Provisioning-Key", secret)
                .body(Map.of("name", "edge-1", "type", "sensor")).send();
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);

        page.open("/app/settings/provisioning-keys");
        assertThat(web.getPageSource()).doesNotContain(secret);
        String id = api.get(tenant.admin(), "/api/v1/provisioning-keys").expect(200).path("items").get(0).path("id")
                .asString();
        assertThat(page.text("#key-" + id)).contains("line <3>").contains("ACTIVE");
        page.submit("#key-" + id + " button.revoke");
        assertThat(page.text("#key-" + id + " .key-status")).isEqualTo("REVOKED");
        assertThat(api.get(tenant.admin(), "/api/v1/provisioning-keys/" + id).expect(200).path("revoked_at").isNull())
                .isFalse();
        Reply refused = api.call("POST", "/api/v1/devices/register").header("X-Provisioning-Key", secret)
                .body(Map.of("name", "edge-2", "type", "sensor")).send();
        assertThat(refused.status()).isIn(401, 403);
    }

    @Test
    void thePkiPageCreatesACertificateAuthorityAndRevokesACertificate() throws Exception {
        page.signIn(tenant.admin());
        page.open("/app/pki");
        page.type("#ca-name", "console root");
        page.submit("#ca-create");
        assertThat(page.present("#form-error")).isFalse();
        assertThat(page.text("#cas")).contains("console root");
        JsonNode cas = api.get(tenant.admin(), "/api/v1/pki/cas").expect(200).path("items");
        assertThat(cas).hasSize(1);
        page.open("/app/pki");
        new org.openqa.selenium.support.ui.Select(web.findElement(By.id("ca-parent")))
                .selectByVisibleText("console root");
        page.type("#ca-name", "console issuing");
        page.submit("#ca-create");
        assertThat(api.get(tenant.admin(), "/api/v1/pki/cas").expect(200).path("items")).hasSize(2);
        String bundle = web.findElement(By.cssSelector("#cas a[aria-label='Bundle of console issuing']"))
                .getAttribute("href");
        assertThat(api.call("GET", java.net.URI.create(bundle).getPath()).send().body())
                .contains("BEGIN CERTIFICATE");

        String device = createDevice(tenant.admin(), device("gate-9")).path("id").asString();
        String cert = api.post(tenant.admin(), "/api/v1/devices/" + device + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201).path("certificate").path("id").asString();
        page.open("/app/pki");
        assertThat(page.text("#cert-" + cert + " .cert-status")).isEqualTo("ACTIVE");
        browser.screenshot("pki");
        page.submit("#cert-" + cert + " button.revoke");
        assertThat(page.text("#cert-" + cert + " .cert-status")).isEqualTo("REVOKED");
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + cert).expect(200).path("status").asString())
                .isEqualTo("REVOKED");
        assertThat(api.get(tenant.admin(), "/api/v1/certificates").expect(200).path("items")).hasSize(1);
    }

    @Test
    void aClaimTokenIsShownOnceWithItsLimitsAndIsRevoked() {
        page.signIn(tenant.admin());
        page.open("/app/provisioning");
        page.type("#claim-label", "installer <anna>");
        page.type("#claim-type", "not a type!");
        page.submit("#claim-create");
        assertThat(page.text("#form-error")).contains("device type must be");
        assertThat(api.get(tenant.admin(), "/api/v1/claim-tokens").expect(200).path("items")).isEmpty();

        page.type("#claim-label", "installer <anna>");
        page.type("#claim-type", "meter");
        page.type("#claim-uses", "3");
        page.submit("#claim-create");
        String secret = page.text("#issued-secret");
        assertThat(secret).startsWith("fkc_");
        JsonNode token = api.get(tenant.admin(), "/api/v1/claim-tokens").expect(200).path("items").get(0);
        String id = token.path("id").asString();
        assertThat(token.path("max_uses").asInt()).isEqualTo(3);
        assertThat(Instant.parse(token.path("expires_at").asString()))
                .isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));
        browser.screenshot("claim-token-created");

        page.open("/app/provisioning");
        assertThat(web.getPageSource()).doesNotContain(secret);
        assertThat(page.text("#claim-" + id)).contains("installer <anna>").contains("0 of 3");
        page.submit("#claim-" + id + " button.revoke");
        assertThat(page.text("#claim-" + id + " .claim-status")).isEqualTo("REVOKED");
        assertThat(api.get(tenant.admin(), "/api/v1/claim-tokens/" + id).expect(200).path("revoked_at").isNull())
                .isFalse();
    }

    @Test
    void aManifestUploadAddsTheGoodLinesAndListsEachRejectedOne() {
        page.signIn(tenant.admin());
        page.open("/app/provisioning");
        page.type("#manifest-name", "batch 7");
        page.type("#manifest-csv", "serial,device_type,metadata.region\nSN-1,meter,eu\nSN-1,meter,us\n"
                + "SN-2,,eu\nSN-3,meter,eu\n");
        page.submit("#manifest-upload");
        assertThat(page.text("#upload-summary")).isEqualTo("2 of 4 lines added, 2 rejected.");
        List<String> lines = web.findElements(By.cssSelector("#rejects .reject-line")).stream().map(e -> e.getText())
                .toList();
        assertThat(lines).containsExactly("3", "4");
        assertThat(page.text("#rejects")).contains("duplicate").contains("device_type");
        browser.screenshot("manifest-uploaded");
        JsonNode manifest = api.get(tenant.admin(), "/api/v1/manifests").expect(200).path("items").get(0);
        assertThat(manifest.path("name").asString()).isEqualTo("batch 7");
        assertThat(manifest.path("rows_added").asLong()).isEqualTo(2);
        assertThat(page.text("#manifest-" + manifest.path("id").asString())).contains("batch 7");
    }

    @Test
    void aTrustAnchorIsRegisteredAndTheRenewalWindowsAreEditedAtTheVersionShown() {
        page.signIn(tenant.admin());
        page.open("/app/pki");
        page.type("#anchor-name", "factory root");
        ((org.openqa.selenium.JavascriptExecutor) web).executeScript(
                "document.getElementById('anchor-pem').value = arguments[0];", Manufacturer.root().pem());
        page.submit("#anchor-register");
        assertThat(page.present("#form-error")).isFalse();
        JsonNode anchor = api.get(tenant.admin(), "/api/v1/pki/cas").expect(200).path("items").get(0);
        assertThat(anchor.path("kind").asString()).isEqualTo("TRUST_ANCHOR");
        assertThat(page.text("#ca-" + anchor.path("id").asString())).contains("factory root").contains("TRUST_ANCHOR");

        page.type("#renewal-window", "10");
        page.type("#critical-window", "20");
        page.submit("#windows-save");
        assertThat(page.text("#form-error")).contains("critical window days");
        assertThat(api.get(tenant.admin(), "/api/v1/pki/policy").expect(200).path("renewal_window_days").asInt())
                .isEqualTo(30);

        page.open("/app/pki");
        page.type("#renewal-window", "45");
        page.type("#critical-window", "10");
        page.type("#overlap", "12");
        page.submit("#windows-save");
        assertThat(page.text("#renewal-days")).isEqualTo("45 days before expiry");
        JsonNode policy = api.get(tenant.admin(), "/api/v1/pki/policy").expect(200);
        assertThat(policy.path("critical_window_days").asInt()).isEqualTo(10);
        assertThat(policy.path("overlap_hours").asInt()).isEqualTo(12);
        browser.screenshot("pki-windows");

        api.call("PUT", "/api/v1/pki/policy").token(tenant.admin()).header("If-Match", "\"" + policy.path("version")
                .asLong() + "\"").body(Map.of("renewal_window_days", 60, "critical_window_days", 10,
                "overlap_hours", 12, "device_validity_days", 365)).send().expect(200);
        page.type("#renewal-window", "20");
        page.submit("#windows-save");
        assertThat(page.text("#form-error")).contains("changed since this page was shown");
        assertThat(page.text("#renewal-days")).isEqualTo("60 days before expiry");
        assertThat(api.get(tenant.admin(), "/api/v1/pki/policy").expect(200).path("renewal_window_days").asInt())
                .isEqualTo(60);
    }

    @Test
    void aJobIsCreatedForEveryDeviceOfASearchAndABadPayloadIsExplained() {
        Map<String, Object> meter = device("meter-1");
        meter.put("device_type", "meter");
        createDevice(tenant.admin(), meter);
        createDevice(tenant.admin(), device("sensor-1"));
        page.signIn(token(tenant, "operator"));
        page.open("/app/devices?q=" + java.net.URLEncoder.encode("type = \"meter\"",
                java.nio.charset.StandardCharsets.UTF_8));
        page.click("#job-from-query");
        Await.until(Duration.ofSeconds(15), "the job form", () -> page.present("#new-job"));
        assertThat(page.attribute("#job-query", "value")).isEqualTo("type = \"meter\"");
        page.type("#job-name", "reboot meters");
        page.type("#job-command", "reboot");
        page.type("#job-payload", "{\"delay\": ");
        page.type("#job-rate", "10");
        page.submit("#job-create");
        assertThat(page.text("#form-error")).contains("JSON is not valid");
        assertThat(page.attribute("#job-name", "value")).isEqualTo("reboot meters");
        assertThat(api.get(tenant.admin(), "/api/v1/jobs").expect(200).path("items")).isEmpty();
        browser.screenshot("job-new");

        page.type("#job-payload", "{\"delay\": 5}");
        page.submit("#job-create");
        assertThat(web.getCurrentUrl()).endsWith("/app/jobs");
        JsonNode job = api.get(tenant.admin(), "/api/v1/jobs").expect(200).path("items").get(0);
        assertThat(job.path("target").path("query").asString()).isEqualTo("type = \"meter\"");
        assertThat(job.path("operation").path("name").asString()).isEqualTo("reboot");
        assertThat(job.path("operation").path("payload").path("delay").asInt()).isEqualTo(5);
        assertThat(job.path("rollout").path("max_per_minute").asLong()).isEqualTo(10);
        assertThat(page.text("#job-" + job.path("id").asString())).contains("reboot meters");
    }

    @Test
    void theDevicePageShowsHealthAndTheCarrierSimAndPausesTheSim() {
        String device = createDevice(tenant.admin(), device("tracker-1")).path("id").asString();
        page.signIn(tenant.admin());
        page.open("/app/devices/" + device);
        assertThat(page.text("#health")).isEqualTo(api.get(tenant.admin(), "/api/v1/devices/" + device).expect(200)
                .path("health").asString()).isNotBlank();
        assertThat(page.present("#no-sim")).isTrue();

        try (HologramServer hologram = new HologramServer("hologram-console-key-0123456789", "4242")) {
            String integration = api.post(tenant.admin(), "/api/v1/carrier-integrations", Map.of("name", "main",
                    "carrier", "hologram", "base_url", hologram.baseUrl(), "api_key",
                    "hologram-console-key-0123456789", "org_id", "4242")).expect(201).path("id").asString();
            String iccid = HologramServer.iccid();
            hologram.addSim(iccid);
            api.post(tenant.admin(), "/api/v1/devices/" + device + "/sim", Map.of("integration_id", integration,
                    "iccid", iccid, "plan", "2096")).expect(201);

            page.open("/app/devices/" + device);
            assertThat(page.text("#sim-iccid")).isEqualTo(iccid);
            assertThat(page.text("#sim-status")).startsWith("ACTIVE");
            browser.screenshot("device-sim");
            page.submit("#sim-pause");
            assertThat(page.text("#sim-status")).startsWith("PAUSED");
            assertThat(page.present("#sim-live")).isTrue();
            assertThat(api.get(tenant.admin(), "/api/v1/devices/" + device + "/sim").expect(200).path("sim_status")
                    .asString()).isEqualTo("PAUSED");
        }
    }

    @Test
    void theAuditLogIsFilteredByActionAndPaged() {
        for (int i = 0; i < 51; i++) {
            api.post(tenant.admin(), "/api/v1/provisioning-keys", Map.of("label", "k" + i)).expect(201);
        }
        createDevice(tenant.admin(), device("audited"));
        page.signIn(tenant.admin());
        page.open("/app/audit");
        page.type("#f-action", "provisioning_key.create");
        page.submit("#audit-search");
        List<String> actions = web.findElements(By.cssSelector("#audit .audit-action")).stream()
                .map(e -> e.getText()).toList();
        assertThat(actions).hasSize(50).containsOnly("provisioning_key.create");
        browser.screenshot("audit");
        page.submit("#next");
        assertThat(web.findElements(By.cssSelector("#audit .audit-action"))).hasSize(1);
        assertThat(page.present("#next")).isFalse();
        assertThat(page.attribute("#f-action", "value")).isEqualTo("provisioning_key.create");
    }

    @Test
    void anApiTokenIsShownOnceWorksAndIsRevoked() {
        page.signIn(tenant.admin());
        page.open("/app/settings/tokens");
        page.type("#token-name", "dashboard reader");
        new org.openqa.selenium.support.ui.Select(web.findElement(By.id("token-role"))).selectByValue("viewer");
        page.submit("#token-create");
        String secret = page.text("#issued-secret");
        api.get(secret, "/api/v1/devices").expect(200);
        browser.screenshot("tokens");
        page.open("/app/settings/tokens");
        assertThat(web.getPageSource()).doesNotContain(secret);
        String id = api.get(tenant.admin(), "/api/v1/tokens").expect(200).path("items").valueStream()
                .filter(t -> t.path("name").asString().equals("dashboard reader")).findFirst().orElseThrow()
                .path("id").asString();
        assertThat(page.text("#token-" + id)).contains("viewer");
        page.submit("#token-" + id + " button.revoke");
        assertThat(page.text("#token-" + id + " .token-status")).isEqualTo("REVOKED");
        assertThat(api.call("GET", "/api/v1/devices").token(secret).send().status()).isEqualTo(401);
    }

    @Test
    void aViewerSeesTheSetupPagesWithoutControlsAndNoTokenPage() {
        api.post(tenant.admin(), "/api/v1/provisioning-keys", Map.of("label", "line 1")).expect(201);
        page.signIn(token(tenant, "viewer"));
        for (String p : List.of("/app/settings/provisioning-keys", "/app/provisioning", "/app/pki", "/app/ota",
                "/app/alerts", "/app/jobs/new")) {
            page.open(p);
            assertThat(web.findElements(By.cssSelector("main form[method=post], main textarea")))
                    .as("mutating controls on %s", p).isEmpty();
        }
        assertThat(page.present("a[href='/app/settings/tokens']")).isFalse();
        page.open("/app/settings/tokens");
        assertThat(page.text("h1")).isEqualTo("Forbidden");
        page.open("/app/operator/tenants");
        assertThat(page.text("h1")).isEqualTo("Not found");
    }

    @Test
    void thePlatformOperatorCreatesSuspendsAndResumesATenant() {
        page.signIn(PLATFORM_TOKEN);
        assertThat(web.getCurrentUrl()).endsWith("/app/operator/tenants");
        page.open("/app/devices");
        assertThat(web.getCurrentUrl()).endsWith("/app/operator/tenants");
        String name = randomName("console-tenant-");
        page.type("#tenant-name", name);
        page.submit("#tenant-create");
        String admin = page.text("#issued-secret");
        api.get(admin, "/api/v1/devices").expect(200);
        browser.screenshot("operator-tenants");

        String id = tenantId(name);
        page.open("/app/operator/tenants");
        while (!page.present("#tenant-" + id)) {
            page.submit("#next");
        }
        page.submit("#tenant-" + id + " button.suspend");
        api.call("GET", "/api/v1/devices").token(admin).send().expectProblem(401, "TENANT_SUSPENDED");
        while (!page.present("#tenant-" + id)) {
            page.submit("#next");
        }
        assertThat(page.text("#tenant-" + id + " .tenant-status")).isEqualTo("SUSPENDED");
        page.submit("#tenant-" + id + " button.resume");
        api.get(admin, "/api/v1/devices").expect(200);
    }

    /** The id of the tenant named {@code name}, from the operator API's pages. */
    private String tenantId(String name) {
        String cursor = "";
        while (true) {
            JsonNode page = api.get(PLATFORM_TOKEN, "/api/v1/operator/tenants?limit=100&cursor=" + cursor).expect(200);
            for (JsonNode t : page.path("items")) {
                if (t.path("name").asString().equals(name)) {
                    return t.path("id").asString();
                }
            }
            JsonNode next = page.path("next_cursor");
            assertThat(next.isString()).as("tenant %s listed", name).isTrue();
            cursor = java.net.URLEncoder.encode(next.asString(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void anOtaCampaignIsPausedFromTheConsoleAndItsStateRefreshesLive() {
        String firmware = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "2.0"))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + firmware + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString("image")).send().expect(201);
        String d1 = createDevice(tenant.admin(), device("ota-1")).path("id").asString();
        String d2 = createDevice(tenant.admin(), device("ota-2")).path("id").asString();
        String campaign = api.post(tenant.admin(), "/api/v1/campaigns", Map.of("firmware_id", firmware,
                "target", Map.of("device_ids", List.of(d1, d2)))).expect(201).path("id").asString();
        page.signIn(tenant.admin());
        page.open("/app/ota");
        assertThat(page.text("#firmware")).contains("os").contains("2.0");
        assertThat(page.text("#campaign-" + campaign + " .campaign-state")).isEqualTo("RUNNING");
        assertThat(page.text("#campaign-" + campaign + " .campaign-counts")).contains("QUEUED 2");
        browser.screenshot("ota");

        page.submit("#campaign-" + campaign + " button.pause");
        assertThat(page.text("#campaign-" + campaign + " .campaign-state")).isEqualTo("PAUSED");
        assertThat(api.get(tenant.admin(), "/api/v1/campaigns/" + campaign).expect(200).path("state").asString())
                .isEqualTo("PAUSED");

        api.post(tenant.admin(), "/api/v1/campaigns/" + campaign + "/resume", null).expect(200);
        Await.until(Duration.ofSeconds(15), "the campaign's resumed state without a reload",
                () -> page.text("#campaign-" + campaign + " .campaign-state").equals("RUNNING"));
        assertThat(api.get(tenant.admin(), "/api/v1/campaigns").expect(200).path("items")).hasSize(1);
    }

    @Test
    void anOtaCampaignIsStartedFromTheConsoleOverAFleetQuery() {
        String firmware = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "3.1"))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + firmware + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString("image")).send().expect(201);
        createDevice(tenant.admin(), device("gw-1"));
        page.signIn(token(tenant, "operator"));
        page.open("/app/ota");
        page.type("#campaign-query", "name = ");
        page.submit("#campaign-create");
        assertThat(page.present("#form-error")).isTrue();
        assertThat(page.attribute("#campaign-query", "value")).isEqualTo("name = ");
        assertThat(api.get(tenant.admin(), "/api/v1/campaigns").expect(200).path("items")).isEmpty();

        page.type("#campaign-query", "name = \"gw-1\"");
        page.type("#campaign-rate", "20");
        page.submit("#campaign-create");
        assertThat(page.present("#form-error")).isFalse();
        JsonNode campaign = api.get(tenant.admin(), "/api/v1/campaigns").expect(200).path("items").get(0);
        assertThat(campaign.path("firmware_id").asString()).isEqualTo(firmware);
        JsonNode job = api.get(tenant.admin(), "/api/v1/jobs/" + campaign.path("job_id").asString()).expect(200);
        assertThat(job.path("target").path("query").asString()).isEqualTo("name = \"gw-1\"");
        assertThat(job.path("rollout").path("max_per_minute").asLong()).isEqualTo(20);
        assertThat(page.present("#campaign-" + campaign.path("id").asString())).isTrue();
    }

    @Test
    void anOpenAlertIsAcknowledgedFromTheAlertsPage() {
        api.post(tenant.admin(), "/api/v1/alert-rules", Map.of("name", "offline", "kind", "device_offline",
                "offline_minutes", 5, "severity", "critical", "channels", List.of(), "dedupe_key", "offline"))
                .expect(201);
        String device = createDevice(tenant.admin(), device("quiet-pump")).path("id").asString();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
        recorder.seen(UUID.fromString(tenant.id()), UUID.fromString(device), t0);
        recorder.flush();
        MutableClock clock = new MutableClock(t0.plus(Duration.ofMinutes(6)));
        offline.evaluate(clock);
        JsonNode alert = api.get(tenant.admin(), "/api/v1/alerts?status=OPEN").expect(200).path("items").get(0);
        String id = alert.path("id").asString();

        page.signIn(tenant.admin());
        page.open("/app/alerts");
        assertThat(page.text("#alert-" + id + " .alert-status")).isEqualTo("OPEN");
        browser.screenshot("alerts");
        page.submit("#alert-" + id + " button.acknowledge");
        assertThat(page.text("#alert-" + id + " .alert-status")).isEqualTo("ACKNOWLEDGED");
        assertThat(api.get(tenant.admin(), "/api/v1/alerts/" + id).expect(200).path("status").asString())
                .isEqualTo("ACKNOWLEDGED");
        new org.openqa.selenium.support.ui.Select(web.findElement(By.id("alert-status"))).selectByValue("OPEN");
        page.submit("#alert-search");
        assertThat(page.present("#alert-" + id)).isFalse();
    }

    @Test
    void theDevicePageChartsTelemetryAndRedrawsAsNewValuesArrive() throws Exception {
        KeyDevice d = new MqttDevices(api).keyDevice(tenant, "thermo-1");
        DevicePort port = new DevicePort(api, listener.port());
        long now = System.currentTimeMillis();
        String batch = "[{\"ts\":" + (now - 180_000) + ",\"msg_id\":\"a\",\"temp\":20.5,\"rh\":40},"
                + "{\"ts\":" + (now - 120_000) + ",\"msg_id\":\"b\",\"temp\":21.5,\"rh\":41}]";
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), batch).expect(202);
        Await.until(Duration.ofSeconds(10), "the telemetry stored", () -> api.get(tenant.admin(),
                "/api/v1/devices/" + d.id() + "/telemetry?metric=temp").expect(200).path("items").size() == 2);

        page.signIn(tenant.admin());
        page.open("/app/devices/" + d.id());
        Await.until(Duration.ofSeconds(15), "the chart drawn",
                () -> page.present("#telemetry-chart canvas") && "4".equals(page.attribute("#telemetry-chart",
                        "data-points")));
        assertThat(page.attribute("#telemetry-chart", "data-metrics")).isEqualTo("rh,temp");
        assertThat(page.text("#telemetry-chart")).contains("temp").contains("rh");
        assertThat(page.present("#telemetry-empty:not([hidden])")).isFalse();
        browser.screenshot("device-telemetry");

        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()),
                "[{\"ts\":" + (now - 60_000) + ",\"msg_id\":\"c\",\"temp\":23}]").expect(202);
        Await.until(Duration.ofSeconds(20), "the chart redrawn with the new value without a reload",
                () -> "5".equals(page.attribute("#telemetry-chart", "data-points")));
    }

    @Test
    void everyPageHasNoSeriousAccessibilityViolationsAtDesktopAndPhoneWidths() throws Exception {
        String device = createDevice(tenant.admin(), device("a11y-1")).path("id").asString();
        api.post(tenant.admin(), "/api/v1/provisioning-keys", Map.of("label", "line 1")).expect(201);
        page.signIn(tenant.admin());
        assertThat(page.text("#nav-setup")).startsWith("SETUP").contains("Edge Registration Keys").contains("PKI");
        assertThat(page.text("#nav-monitor")).startsWith("MONITOR").contains("Devices").contains("Alerts");
        assertThat(page.text("#nav-maintain")).startsWith("MAINTAIN").contains("Jobs").contains("Firmware");
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("/app", "dashboard");
        pages.put("/app/devices", "devices");
        pages.put("/app/devices/" + device, "device");
        pages.put("/app/jobs", "jobs");
        pages.put("/app/jobs/new", "job-new");
        pages.put("/app/fleet/getting-started", "getting-started");
        pages.put("/app/settings/provisioning-keys", "provisioning-keys");
        pages.put("/app/provisioning", "provisioning");
        pages.put("/app/pki", "pki");
        pages.put("/app/audit", "audit");
        pages.put("/app/settings/tokens", "tokens");
        pages.put("/app/ota", "ota");
        pages.put("/app/alerts", "alerts");
        var desktop = web.manage().window().getSize();
        for (var e : pages.entrySet()) {
            page.open(e.getKey());
            page.assertAccessible(e.getKey());
            browser.screenshot("a11y-" + e.getValue());
        }
        try {
            web.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
            for (var e : pages.entrySet()) {
                page.open(e.getKey());
                long overflow = (Long) ((org.openqa.selenium.JavascriptExecutor) web).executeScript(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
                assertThat(overflow).as("horizontal overflow of %s at 390 px", e.getKey()).isLessThanOrEqualTo(0);
                browser.screenshot("mobile-" + e.getValue());
            }
        } finally {
            web.manage().window().setSize(desktop);
        }
        web.manage().deleteAllCookies();
        page.open("/app/sign-in");
        page.assertAccessible("/app/sign-in");
        page.signIn(PLATFORM_TOKEN);
        page.assertAccessible("/app/operator/tenants");
        browser.screenshot("a11y-operator-tenants");
    }
}
