package io.fleetkeeper.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Await;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.OidcProvider;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import tools.jackson.databind.JsonNode;

/**
 * The console at {@code /app} in a real headless Chromium against the shared test server: each test signs in
 * with a token of a tenant of its own and does what an operator does. A screenshot of each page goes under
 * {@code target/console-screenshots/}.
 */
class ConsoleBrowserTests extends ConsoleBrowserTest {

    @Autowired
    private DeviceListener listener;
    @Autowired
    private MqttEndpoint mqtt;

    @Test
    void signInWithATokenOpensTheDashboardAndSignOutEndsTheSession() {
        web.get(url("/app/devices"));
        assertThat(web.getCurrentUrl()).endsWith("/app/sign-in");
        browser.screenshot("sign-in");
        page.signIn("fk_not-a-real-token");
        assertThat(page.text("#sign-in-error")).contains("not valid");

        createDevice(tenant.admin(), device("pump-1"));
        page.signIn(tenant.admin());
        assertThat(web.getCurrentUrl()).endsWith("/app");
        assertThat(page.text("#total")).isEqualTo("1");
        browser.screenshot("dashboard");
        Cookie session = web.manage().getCookieNamed("fk_console");
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Strict");
        assertThat(session.getValue()).doesNotContain(tenant.admin());

        page.submit("header form button");
        assertThat(web.getCurrentUrl()).endsWith("/app/sign-in");
        web.get(url("/app/devices"));
        assertThat(web.getCurrentUrl()).endsWith("/app/sign-in");
    }

    @Test
    void anOidcUserSignsInWithPkceAndActsAsTheCallerItsAccessTokenNames() {
        OidcProvider.shared().signInNext(new OidcProvider.User("alice", tenant.name(),
                List.of("offline_access", "fleetkeeper-admin")));
        int refused = OidcProvider.shared().refusals().size();
        web.get(url("/app/sign-in"));
        page.click("#sign-in-oidc");
        Await.until(Duration.ofSeconds(15), "the console after the provider's answer",
                () -> page.present("header.top") || page.present("#sign-in-error"));
        assertThat(page.present("#sign-in-error")).isFalse();
        assertThat(web.getCurrentUrl()).endsWith("/app");
        assertThat(page.text("header .who")).isEqualTo("Role: admin");
        assertThat(OidcProvider.shared().refusals()).hasSize(refused);
        Cookie session = web.manage().getCookieNamed("fk_console");
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Strict");
        assertThat(web.manage().getCookieNamed("fk_console_oidc")).isNull();

        page.open("/app/settings/provisioning-keys");
        page.type("#key-label", "from oidc");
        page.submit("#key-create");
        JsonNode audit = api.get(tenant.admin(), "/api/v1/audit?action=provisioning_key.create").expect(200);
        assertThat(audit.path("items").get(0).path("actor").asString()).isEqualTo("jwt:alice");

        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + tenant.id() + "/suspend", null).expect(200);
        web.get(url("/app/devices"));
        assertThat(web.getCurrentUrl()).as("a suspended tenant ends the OIDC session").endsWith("/app/sign-in");
    }

    @Test
    void anOidcSignInWithoutAFleetkeeperRoleOrWithAForeignStateOpensNoSession() {
        OidcProvider.shared().signInNext(new OidcProvider.User("bob", tenant.name(), List.of("offline_access")));
        web.get(url("/app/sign-in"));
        page.click("#sign-in-oidc");
        Await.until(Duration.ofSeconds(15), "the sign-in page's error", () -> page.present("#sign-in-error"));
        assertThat(page.text("#sign-in-error")).contains("no access");
        assertThat(web.manage().getCookieNamed("fk_console")).isNull();

        Reply forged = api.call("GET", "/app/sign-in/oidc/callback?code=stolen&state=guessed").send();
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.body()).contains("did not start here");
        assertThat(forged.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("fk_console="));
    }

    @Test
    void anIdTokenWithAWrongNonceOrAForeignSignatureOrNoneOpensNoSession() {
        for (OidcProvider.IdTokenFault fault : List.of(OidcProvider.IdTokenFault.WRONG_NONCE,
                OidcProvider.IdTokenFault.FOREIGN_SIGNATURE, OidcProvider.IdTokenFault.MISSING)) {
            web.manage().deleteAllCookies();
            OidcProvider.shared().signInNext(new OidcProvider.User("mallory", tenant.name(),
                    List.of("fleetkeeper-admin")));
            OidcProvider.shared().spoilNextIdToken(fault);
            web.get(url("/app/sign-in"));
            page.click("#sign-in-oidc");
            Await.until(Duration.ofSeconds(15), "the sign-in page's error after " + fault,
                    () -> page.present("#sign-in-error") || page.present("header.top"));
            assertThat(page.present("#sign-in-error")).as("an ID token with %s is refused", fault).isTrue();
            assertThat(web.manage().getCookieNamed("fk_console")).as("no session after %s", fault).isNull();
        }
        web.manage().deleteAllCookies();
        OidcProvider.shared().signInNext(new OidcProvider.User("mallory", tenant.name(), List.of("fleetkeeper-admin")));
        web.get(url("/app/sign-in"));
        page.click("#sign-in-oidc");
        Await.until(Duration.ofSeconds(15), "the console after an unspoiled ID token",
                () -> page.present("#sign-in-error") || page.present("header.top"));
        assertThat(page.present("header.top")).as("the same account with a good ID token signs in").isTrue();
    }

    @Test
    void aPlatformRoleOidcSignInLandsOnTheOperatorPages() {
        OidcProvider.shared().signInNext(new OidcProvider.User("ops", null, List.of("fleetkeeper-platform")));
        web.get(url("/app/sign-in"));
        page.click("#sign-in-oidc");
        Await.until(Duration.ofSeconds(15), "the operator pages after the provider's answer",
                () -> page.present("#sign-in-error") || web.getCurrentUrl().endsWith("/app/operator/tenants"));
        assertThat(web.getCurrentUrl()).endsWith("/app/operator/tenants");
        assertThat(page.text("header .who")).contains("platform");
        assertThat(page.present("#tenants")).isTrue();
        web.get(url("/app/devices"));
        assertThat(web.getCurrentUrl()).as("a platform caller reaches only the operator pages")
                .endsWith("/app/operator/tenants");
        page.assertAccessible("/app/operator/tenants after OIDC");
    }

    @Test
    void everyConsolePageForbidsFramingAndInlineScript() {
        Reply reply = api.call("GET", "/app/sign-in").send();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Security-Policy")).contains("script-src 'self'")
                .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(reply.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(reply.body()).doesNotContainPattern("<script(?![^>]*\\bsrc=)");
        Reply anonymous = api.call("GET", "/app/devices").send();
        assertThat(anonymous.status()).isEqualTo(303);
        Reply stream = api.call("GET", "/app/live").header("Accept", "text/event-stream").send();
        assertThat(stream.status()).as("the live stream needs a session").isEqualTo(303);
        assertThat(anonymous.header("Location")).endsWith("/app/sign-in");
    }

    @Test
    void aQueryWithASyntaxErrorIsShownAtItsPosition() {
        createDevice(tenant.admin(), device("<b>meter</b>"));
        page.signIn(tenant.admin());
        web.get(url("/app/devices"));
        assertThat(page.text("#devices")).contains("<b>meter</b>");
        WebElement q = web.findElement(By.id("q"));
        q.sendKeys("type = \"meter\" AND (tag = \"lab\"");
        page.submit("#search");
        assertThat(page.text("#query-error")).contains("position 31");
        assertThat(web.findElement(By.cssSelector("#query-error mark")).getText()).isBlank();

        web.findElement(By.id("q")).clear();
        web.findElement(By.id("q")).sendKeys("shadow.reported.a..b = 1");
        page.submit("#search");
        assertThat(page.text("#query-error")).contains("position 18");
        assertThat(web.findElement(By.cssSelector("#query-error mark")).getText()).isEqualTo(".b = 1");
        browser.screenshot("devices-query-error");

        web.findElement(By.id("q")).clear();
        web.findElement(By.id("q")).sendKeys("name = \"<b>meter</b>\"");
        page.submit("#search");
        assertThat(web.findElements(By.id("query-error"))).isEmpty();
        assertThat(web.findElements(By.cssSelector("#devices tbody a"))).hasSize(1);
        browser.screenshot("devices");
    }

    @Test
    void aMetadataEditThatLosesAVersionRaceIsExplainedAndNotSaved() {
        String id = createDevice(tenant.admin(), device("valve-7")).path("id").asString();
        page.signIn(tenant.admin());
        web.get(url("/app/devices/" + id));
        browser.screenshot("device");
        JsonNode current = api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200);
        api.patch(tenant.admin(), "/api/v1/devices/" + id, Map.of("metadata", Map.of("site", "north")),
                "\"" + current.path("version").asLong() + "\"").expect(200);

        web.findElement(By.id("meta-key")).sendKeys("site");
        web.findElement(By.id("meta-value")).sendKeys("south");
        page.submit("#metadata-save");

        assertThat(page.text("#conflict")).contains("Someone else changed this device").contains("not saved");
        assertThat(page.text("#metadata")).contains("north");
        browser.screenshot("device-conflict");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200).path("metadata").path("site")
                .asString()).isEqualTo("north");

        web.findElement(By.id("meta-key")).sendKeys("site");
        web.findElement(By.id("meta-value")).sendKeys("south");
        page.submit("#metadata-save");
        assertThat(web.findElements(By.id("conflict"))).isEmpty();
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200).path("metadata").path("site")
                .asString()).isEqualTo("south");
    }

    @Test
    void aCertificateIsRevokedAndACommandSentFromTheDevicePage() throws Exception {
        JsonNode root = api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root.path("id").asString()))
                .expect(201);
        String id = createDevice(tenant.admin(), device("gate-2")).path("id").asString();
        String cert = api.post(tenant.admin(), "/api/v1/devices/" + id + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201).path("certificate").path("id").asString();
        page.signIn(tenant.admin());
        web.get(url("/app/devices/" + id));
        assertThat(page.text("#cert-" + cert + " .cert-status")).isEqualTo("ACTIVE");

        page.submit("#cert-" + cert + " button.revoke");
        assertThat(page.text("#cert-" + cert + " .cert-status")).isEqualTo("REVOKED");
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + cert).expect(200).path("status").asString())
                .isEqualTo("REVOKED");

        web.findElement(By.id("command-name")).sendKeys("reboot");
        web.findElement(By.id("command-payload")).sendKeys("{\"delay\": 5}");
        page.submit("#command-send");
        assertThat(page.text("#commands")).contains("reboot");
        JsonNode sent = api.get(tenant.admin(), "/api/v1/devices/" + id + "/commands").expect(200).path("items");
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).path("payload").path("delay").asInt()).isEqualTo(5);
        browser.screenshot("device-revoked-and-command");
    }

    @Test
    void theDesiredStateIsEditedAsJsonAndABadDocumentIsRefused() {
        String id = createDevice(tenant.admin(), device("heater-5")).path("id").asString();
        page.signIn(tenant.admin());
        web.get(url("/app/devices/" + id));
        WebElement editor = web.findElement(By.id("desired-input"));
        editor.clear();
        editor.sendKeys("{\"target_c\": ");
        page.submit("#desired-save");
        assertThat(page.text("#form-error")).contains("not valid JSON");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id + "/shadow").status()).isEqualTo(404);

        editor = web.findElement(By.id("desired-input"));
        editor.clear();
        editor.sendKeys("{\"target_c\": 21}");
        page.submit("#desired-save");
        assertThat(web.findElements(By.id("form-error"))).isEmpty();
        assertThat(page.text("#desired")).contains("target_c");
        assertThat(page.text("#delta")).contains("target_c");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id + "/shadow").expect(200).path("state")
                .path("desired").path("target_c").asInt()).isEqualTo(21);

        web.get(url("/app/fleet/getting-started"));
        assertThat(page.attribute("#step-desired", "class")).isEqualTo("done");
    }

    @Test
    void aViewerSeesNoControlsThatChangeAnythingAndTheServerRefusesAnyway() throws Exception {
        String id = createDevice(tenant.admin(), device("meter-9")).path("id").asString();
        page.signIn(token(tenant, "viewer"));
        web.get(url("/app/devices/" + id));
        assertThat(page.text("#device-name")).isEqualTo("meter-9");
        assertThat(web.findElements(By.cssSelector("main form, main button, main textarea"))).isEmpty();
        browser.screenshot("device-viewer");

        String csrf = web.findElement(By.cssSelector("header input[name=_csrf]")).getAttribute("value");
        String version = api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200).path("version").asString();
        Reply forged = api.call("POST", "/app/devices/" + id + "/metadata")
                .header("Cookie", "fk_console=" + web.manage().getCookieNamed("fk_console").getValue())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("_csrf=" + enc(csrf) + "&key=site&value=x&version=" + version).send();
        assertThat(forged.status()).isEqualTo(403);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200).path("metadata").has("site")).isFalse();
    }

    @Test
    void aStateChangeWithoutTheSessionsCsrfTokenIsRefused() {
        String id = createDevice(tenant.admin(), device("meter-3")).path("id").asString();
        page.signIn(tenant.admin());
        String version = api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200).path("version").asString();
        Reply forged = api.call("POST", "/app/devices/" + id + "/metadata")
                .header("Cookie", "fk_console=" + web.manage().getCookieNamed("fk_console").getValue())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("_csrf=guessed&key=site&value=x&version=" + version).send();
        assertThat(forged.status()).isEqualTo(403);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + id).expect(200).path("metadata").has("site")).isFalse();
    }

    @Test
    void anotherTenantsDeviceIsANotFoundPage() {
        TestTenant other = newTenant();
        String theirs = createDevice(other.admin(), device("secret-device")).path("id").asString();
        page.signIn(tenant.admin());
        web.get(url("/app/devices/" + theirs));
        assertThat(page.text("h1")).isEqualTo("Not found");
        assertThat(web.getPageSource()).doesNotContain("secret-device");
        browser.screenshot("not-found");
        Reply reply = api.call("GET", "/app/devices/" + theirs)
                .header("Cookie", "fk_console=" + web.manage().getCookieNamed("fk_console").getValue()).send();
        assertThat(reply.status()).isEqualTo(404);
    }

    @Test
    void aGettingStartedStepTurnsGreenWithoutAReloadWhenADeviceRegistersThroughTheApi() {
        page.signIn(tenant.admin());
        web.get(url("/app/fleet/getting-started"));
        WebElement heading = web.findElement(By.id("getting-started"));
        assertThat(page.attribute("#step-device", "class")).isEqualTo("todo");
        browser.screenshot("getting-started");

        JsonNode key = api.post(tenant.admin(), "/api/v1/provisioning-keys", Map.of("label", "line 1")).expect(201);
        Reply registered = api.call("POST", "/api/v1/devices/register")
                .header("X-Provisioning-Key", key.path("key").asString())
                .body(Map.of("name", "first-device", "type", "sensor")).send();
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);

        Await.until(Duration.ofSeconds(10), "the register step to turn done",
                () -> "done".equals(page.attribute("#step-device", "class")));
        assertThat(page.attribute("#step-provisioning-key", "class")).isEqualTo("done");
        assertThat(heading.isDisplayed()).as("the page was not reloaded").isTrue();
        browser.screenshot("getting-started-progress");
    }

    @Test
    void aJobStartedThroughTheApiIsPausedAndResumedFromTheJobsPage() {
        createDevice(tenant.admin(), device("pump-4"));
        String job = api.post(tenant.admin(), "/api/v1/jobs", Map.of("name", "nightly reboot",
                "target", Map.of("query", "type = \"sensor\""),
                "operation", Map.of("type", "command", "name", "reboot")))
                .expect(201).path("id").asString();
        page.signIn(tenant.admin());
        web.get(url("/app/jobs"));
        assertThat(page.text("#job-" + job + " .job-status")).isEqualTo("IN_PROGRESS");

        page.submit("#job-" + job + " button.pause");
        assertThat(page.text("#job-" + job + " .job-status")).isEqualTo("PAUSED");
        assertThat(api.get(tenant.admin(), "/api/v1/jobs/" + job).expect(200).path("status").asString())
                .isEqualTo("PAUSED");
        browser.screenshot("jobs");

        api.post(tenant.admin(), "/api/v1/jobs/" + job + "/resume", null).expect(200);
        Await.until(Duration.ofSeconds(10), "the jobs table to show the resumed job without a reload",
                () -> page.text("#job-" + job + " .job-status").equals("IN_PROGRESS"));
        page.submit("#job-" + job + " button.pause");
        assertThat(page.text("#job-" + job + " .job-status")).isEqualTo("PAUSED");
    }

    @Test
    void aCommandSentFromTheConsoleShowsTheDevicesResultWithoutAReload() throws Exception {
        KeyDevice d = new MqttDevices(api).keyDevice(tenant, "door-1");
        page.signIn(tenant.admin());
        web.get(url("/app/devices/" + d.id()));
        web.findElement(By.id("command-name")).sendKeys("open");
        page.submit("#command-send");
        assertThat(page.text("#commands .command-status")).isEqualTo("QUEUED");
        WebElement heading = web.findElement(By.id("device-name"));

        DevicePort port = new DevicePort(api, listener.port());
        Map<String, String> key = Map.of("X-Device-Key", d.key());
        String command = port.call("GET", "/device/v1/commands", key, null).expect(200).path("items").get(0)
                .path("id").asString();
        port.call("POST", "/device/v1/commands/" + command + "/result", key,
                "{\"status\":\"SUCCEEDED\",\"result\":{\"opened_in_ms\":420}}").expect(200);

        Await.until(Duration.ofSeconds(10), "the command's result on the device page",
                () -> page.text("#commands").contains("SUCCEEDED") && page.text("#commands").contains("opened_in_ms"));
        assertThat(heading.isDisplayed()).as("the page was not reloaded").isTrue();
        browser.screenshot("device-command-result");
    }

    @Test
    void theDevicePageShowsAConnectionAndAReportedStateThroughTheEventStreamWithoutAReload() throws Exception {
        MqttDevices devices = new MqttDevices(api);
        KeyDevice d = devices.keyDevice(tenant, "boiler-1");
        page.signIn(tenant.admin());
        web.get(url("/app/devices/" + d.id()));
        assertThat(page.text("#connection-state")).isEqualTo("Never connected");
        assertThat(page.text("#reported")).isEqualTo("{}");
        for (String part : List.of("#device-state", "#shadow-state", "#commands", "#timeline")) {
            assertThat(page.attribute(part, "hx-trigger")).as("%s refreshes on the event stream only", part)
                    .isEqualTo("fk-live");
        }
        Await.until(Duration.ofSeconds(15), "the page's event stream open",
                () -> "open".equals(page.attribute("html", "data-live-stream")));
        WebElement heading = web.findElement(By.id("device-name"));

        var client = devices.connect(d, mqtt.port());
        try {
            Await.until(Duration.ofSeconds(15), "the connection on the open page",
                    () -> page.text("#connection-state").startsWith("Connected since"));
            new DevicePort(api, listener.port()).call("PATCH", "/device/v1/shadow", Map.of("X-Device-Key", d.key()),
                    "{\"state\":{\"reported\":{\"flame\":\"on\"}}}").expect(200);
            Await.until(Duration.ofSeconds(15), "the reported state on the open page",
                    () -> page.text("#reported").contains("flame"));
            // each part refreshes on its own fetch: the timeline may follow the shadow part a moment later
            Await.until(Duration.ofSeconds(15), "the shadow update in the open page's timeline",
                    () -> page.text("#timeline").contains("SHADOW-UPDATED"));
        } finally {
            client.disconnect();
        }
        Await.until(Duration.ofSeconds(15), "the disconnection on the open page",
                () -> page.text("#connection-state").startsWith("Not connected"));
        assertThat(heading.isDisplayed()).as("the page was not reloaded").isTrue();
        assertThat(Integer.parseInt(page.attribute("html", "data-live-events"))).isPositive();
        browser.screenshot("device-live");
    }

    @Test
    void thePagesFitAPhoneWideViewport() {
        String id = createDevice(tenant.admin(), device("a-device-with-a-rather-long-name-0123456789")).path("id")
                .asString();
        page.signIn(tenant.admin());
        Dimension desktop = web.manage().window().getSize();
        try {
            web.manage().window().setSize(new Dimension(390, 844));
            Map<String, String> pages = new java.util.LinkedHashMap<>();
            pages.put("/app", "mobile-dashboard");
            pages.put("/app/devices", "mobile-devices");
            pages.put("/app/devices/" + id, "mobile-device");
            pages.put("/app/jobs", "mobile-jobs");
            pages.put("/app/fleet/getting-started", "mobile-getting-started");
            for (var e : pages.entrySet()) {
                String path = e.getKey();
                web.get(url(path));
                browser.screenshot(e.getValue());
                long overflow = (Long) ((JavascriptExecutor) web).executeScript(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
                assertThat(overflow).as("horizontal overflow of %s at 390 px", path).isLessThanOrEqualTo(0);
            }
        } finally {
            web.manage().window().setSize(desktop);
        }
        web.get(url("/app/devices/not-a-uuid"));
        assertThat(page.text("h1")).isEqualTo("Not found");
    }

    private String url(String path) {
        return api.uri(path).toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
