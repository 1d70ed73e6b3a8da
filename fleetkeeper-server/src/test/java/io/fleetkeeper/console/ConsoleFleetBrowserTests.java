package io.fleetkeeper.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.console.internal.FleetSamples;
import io.fleetkeeper.testing.Await;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The console's fleet-wide pages in a real headless Chromium: the dashboard's charts, saved groups, staged
 * campaigns. Each test signs in with a tenant of its own.
 */
class ConsoleFleetBrowserTests extends ConsoleBrowserTest {

    @Autowired
    private FleetSamples samples;

    @Test
    void theDashboardChartsTheFleetAndItsLastDayAndRedrawsOnTheEventStream() {
        UUID id = UUID.fromString(tenant.id());
        Instant now = Instant.now();
        createDevice(tenant.admin(), device("chart-1"));
        samples.sample(id, now.minus(Duration.ofHours(2)));
        createDevice(tenant.admin(), device("chart-2"));
        createDevice(tenant.admin(), device("chart-3"));
        samples.sample(id, now.minus(Duration.ofHours(1)));

        page.signIn(tenant.admin());
        assertThat(page.text("#total")).isEqualTo("3");
        assertThat(page.text("#chart-type")).contains("sensor").contains("3");
        assertThat(page.text("#chart-connection")).contains("not connected").contains("3");
        assertThat(page.text("#chart-firmware")).contains("none");
        assertThat(web.findElements(By.cssSelector("#chart-type svg.bar rect")).getFirst().getAttribute("width"))
                .isEqualTo("100.0%");
        String[] total = page.attribute("#line-total", "points").split(" ");
        // two samples and the counts now (and the sampler's own sample of this interval, had it run meanwhile)
        assertThat(total.length).as("points of the devices line").isBetween(3, 4);
        assertThat(total[0]).as("1 of 3 devices, 22 hours into the window (the sample's 5-minute interval)")
                .endsWith(",106.7");
        assertThat(Double.parseDouble(total[0].split(",")[0])).isBetween(545.0, 550.1);
        assertThat(total[total.length - 1]).as("3 of 3 devices now").endsWith(",0.0");
        assertThat(web.findElements(By.cssSelector("#history-table tbody tr"))).hasSize(total.length);
        assertThat(page.text("#legend-total")).isEqualTo("Devices: 3");
        page.assertAccessible("/app with charts");
        browser.screenshot("dashboard-charts");

        Await.until(Duration.ofSeconds(15), "the page's event stream open",
                () -> "open".equals(page.attribute("html", "data-live-stream")));
        createDevice(tenant.admin(), device("chart-4"));
        Await.until(Duration.ofSeconds(15), "the new device on the open dashboard",
                () -> page.text("#total").equals("4") && page.text("#legend-total").equals("Devices: 4"));

        Dimension desktop = web.manage().window().getSize();
        try {
            web.manage().window().setSize(new Dimension(390, 844));
            page.open("/app");
            long overflow = (Long) ((JavascriptExecutor) web).executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(overflow).as("horizontal overflow of the dashboard at 390 px").isLessThanOrEqualTo(0);
            browser.screenshot("mobile-dashboard-charts");
        } finally {
            web.manage().window().setSize(desktop);
        }
    }

    @Test
    void aGroupIsCreatedEditedAtTheVersionShownAndDeleted() {
        page.signIn(tenant.admin());
        page.open("/app/groups");
        page.type("#group-name-input", "lab sensors");
        page.type("#group-query-input", "type = ");
        page.submit("#group-create");
        assertThat(page.text("#form-error")).contains("query");
        assertThat(page.attribute("#group-name-input", "value")).isEqualTo("lab sensors");
        assertThat(api.get(tenant.admin(), "/api/v1/fleet-groups").expect(200).path("items")).isEmpty();

        page.type("#group-query-input", "type = \"sensor\"");
        page.submit("#group-create");
        JsonNode group = api.get(tenant.admin(), "/api/v1/fleet-groups").expect(200).path("items").get(0);
        String id = group.path("id").asString();
        assertThat(web.getCurrentUrl()).endsWith("/app/groups/" + id);
        assertThat(page.text("#group-query")).isEqualTo("type = \"sensor\"");
        assertThat(page.text("#group-version")).isEqualTo("1");
        page.assertAccessible("/app/groups/{id}");
        browser.screenshot("group");

        api.patch(tenant.admin(), "/api/v1/fleet-groups/" + id, Map.of("description", "the lab's"), "\"1\"")
                .expect(200);
        page.type("#group-name-input", "lab");
        page.submit("#group-save");
        assertThat(page.text("#form-error")).contains("changed since");
        assertThat(page.text("#group-version")).isEqualTo("2");
        assertThat(page.attribute("#group-description", "value")).isEqualTo("the lab's");
        assertThat(page.attribute("#group-name-input", "value")).isEqualTo("lab sensors");
        assertThat(api.get(tenant.admin(), "/api/v1/fleet-groups/" + id).expect(200).path("name").asString())
                .isEqualTo("lab sensors");

        page.type("#group-name-input", "lab");
        page.type("#group-query-input", "type = \"sensor\" AND tag = \"lab\"");
        page.submit("#group-save");
        assertThat(page.present("#form-error")).isFalse();
        JsonNode saved = api.get(tenant.admin(), "/api/v1/fleet-groups/" + id).expect(200);
        assertThat(saved.path("name").asString()).isEqualTo("lab");
        assertThat(saved.path("query").asString()).isEqualTo("type = \"sensor\" AND tag = \"lab\"");
        assertThat(saved.path("description").asString()).isEqualTo("the lab's");
        page.open("/app/groups");
        assertThat(page.text("#group-" + id)).contains("lab").contains("3");
        page.assertAccessible("/app/groups");

        page.open("/app/groups/" + id);
        api.patch(tenant.admin(), "/api/v1/fleet-groups/" + id, Map.of("description", "moved"), "\"3\"").expect(200);
        page.submit("#group-delete");
        assertThat(page.text("#form-error")).contains("changed since");
        assertThat(api.get(tenant.admin(), "/api/v1/fleet-groups/" + id).status()).isEqualTo(200);
        page.submit("#group-delete");
        assertThat(web.getCurrentUrl()).endsWith("/app/groups");
        assertThat(api.get(tenant.admin(), "/api/v1/fleet-groups/" + id).status()).isEqualTo(404);

        web.manage().deleteAllCookies();
        page.signIn(token(tenant, "viewer"));
        page.open("/app/groups");
        assertThat(page.present("main form")).as("a viewer gets no group forms").isFalse();
    }

    @Test
    void aCampaignIsStagedInWavesWithinAMaintenanceWindowOrOfferedToAListOfDevices() {
        String firmware = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "4.0"))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + firmware + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString("image")).send().expect(201);
        String d1 = createDevice(tenant.admin(), device("wave-1")).path("id").asString();
        String d2 = createDevice(tenant.admin(), device("wave-2")).path("id").asString();
        String group = api.post(tenant.admin(), "/api/v1/fleet-groups", Map.of("name", "all sensors",
                "kind", "dynamic", "query", "type = \"sensor\"")).expect(201).path("id").asString();
        page.signIn(token(tenant, "operator"));
        page.open("/app/ota");
        page.assertAccessible("/app/ota with the campaign form");

        page.click("#campaign-target-group");
        new Select(web.findElement(By.id("campaign-group"))).selectByValue(group);
        page.type("#wave-size-1", "1");
        page.type("#wave-success-1", "100");
        page.type("#wave-soak-1", "30");
        page.type("#wave-size-2", "ten");
        page.submit("#campaign-create");
        assertThat(page.text("#form-error")).contains("wave 2 size").contains("ten");
        assertThat(page.attribute("#wave-soak-1", "value")).isEqualTo("30");
        assertThat(page.attribute("#campaign-target-group", "checked")).isNotNull();
        assertThat(api.get(tenant.admin(), "/api/v1/campaigns").expect(200).path("items")).isEmpty();

        page.type("#wave-size-2", "100%");
        page.type("#wave-errors-2", "10");
        page.click("#window-MON");
        page.click("#window-TUE");
        setTime("#window-from", "22:00");
        setTime("#window-to", "04:00");
        page.type("#window-zone", "Europe/Berlin");
        new Select(web.findElement(By.id("campaign-update"))).selectByValue("skip");
        page.submit("#campaign-create");
        assertThat(page.present("#form-error")).as("no refusal").isFalse();
        JsonNode campaign = api.get(tenant.admin(), "/api/v1/campaigns").expect(200).path("items").get(0);
        assertThat(campaign.path("update").asString()).as("download only").isEqualTo("skip");
        JsonNode job = api.get(tenant.admin(), "/api/v1/jobs/" + campaign.path("job_id").asString()).expect(200);
        assertThat(job.path("target").path("group_id").asString()).isEqualTo(group);
        JsonNode waves = job.path("rollout").path("waves");
        assertThat(waves).hasSize(2);
        assertThat(waves.get(0).path("count").asLong()).isEqualTo(1);
        assertThat(waves.get(0).path("soak_seconds").asLong()).isEqualTo(1800);
        assertThat(waves.get(1).path("percent").asDouble()).isEqualTo(100.0);
        assertThat(waves.get(1).path("error_threshold").asDouble()).isEqualTo(10.0);
        JsonNode window = job.path("rollout").path("maintenance_window");
        assertThat(window.path("days").toString()).isEqualTo("[\"MON\",\"TUE\"]");
        assertThat(window.path("from").asString()).isEqualTo("22:00");
        assertThat(window.path("to").asString()).isEqualTo("04:00");
        assertThat(window.path("time_zone").asString()).isEqualTo("Europe/Berlin");
        assertThat(page.present("#campaign-" + campaign.path("id").asString())).isTrue();

        page.open("/app/ota");
        page.click("#campaign-target-devices");
        page.type("#campaign-devices", d1 + "\n" + d2);
        page.submit("#campaign-create");
        assertThat(page.present("#form-error")).as("no refusal").isFalse();
        JsonNode listed = api.get(tenant.admin(), "/api/v1/campaigns").expect(200).path("items");
        assertThat(listed).hasSize(2);
        String second = listed.get(0).path("id").asString().equals(campaign.path("id").asString())
                ? listed.get(1).path("id").asString() : listed.get(0).path("id").asString();
        Await.until(Duration.ofSeconds(15), "both listed devices offered the update",
                () -> page.text("#campaign-" + second + " .campaign-counts").contains("2"));
        browser.screenshot("ota-waves");
    }

    /** Sets a time input's value the way a user's picker does (typing into it depends on the browser's locale). */
    private void setTime(String css, String value) {
        ((JavascriptExecutor) web).executeScript("arguments[0].value = arguments[1];",
                web.findElement(By.cssSelector(css)), value);
    }
}
