package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.event.internal.AlertNotifier;
import io.fleetkeeper.event.internal.EventAlerts;
import io.fleetkeeper.event.internal.ProvisioningAlerts;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.ProviderSink;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Provisioning-failure rules over HTTP: devices refused with a revoked provisioning key open one alert per tenant
 * when the rate is reached, sent to a local webhook; it resolves when the window holds fewer; bad rules are refused.
 */
class ProvisioningAlertTests extends ApiTest {

    @Autowired EventAlerts eventAlerts;
    @Autowired ProvisioningAlerts provisioning;
    @Autowired ApplicationContext ctx;

    private static Map<String, Object> rule(Map<String, Object> rate) {
        Map<String, Object> body = new HashMap<>(Map.of("name", "refused", "kind", "provisioning_failures",
                "severity", "warning"));
        if (rate != null) {
            body.put("rate", rate);
        }
        return body;
    }

    /** A registration refused for a revoked key, from an address of its own (the per-address limit is shared). */
    private void refused(String key) {
        api.call("POST", "/api/v1/devices/register").header("X-Provisioning-Key", key)
                .header("X-Forwarded-For", "198.51.100." + (1 + (int) (Math.random() * 250)))
                .body(Map.of("name", "late", "type", "meter")).send().expectProblem(401, "UNAUTHENTICATED");
    }

    private List<JsonNode> alertsOf(TestTenant t) {
        return api.get(t.admin(), "/api/v1/alerts").expect(200).path("items").valueStream().toList();
    }

    @Test
    void refusedAttemptsAtTheRateOpenOneAlertThatResolvesWhenTheWindowHoldsFewer() throws Exception {
        eventAlerts.read(); // the reader's cursor exists before this test's events
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        assertThat(api.post(t.admin(), "/api/v1/alert-rules", rule(null)).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("rate");
        Map<String, Object> bad = rule(Map.of("count", 0, "window_minutes", 2000));
        bad.put("scope", "type = \"meter\"");
        assertThat(api.post(t.admin(), "/api/v1/alert-rules", bad).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("rate.count", "rate.window_minutes", "scope");
        assertThat(api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "x", "kind", "job_failed",
                "severity", "info", "rate", Map.of("count", 3, "window_minutes", 10)))
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field"))
                .containsExactly("rate");

        try (ProviderSink sink = new ProviderSink()) {
            String hook = api.post(t.admin(), "/api/v1/notification-channels", Map.of("name", "hook",
                    "kind", "webhook", "url", sink.url("/hook"))).expect(201).path("id").asString();
            Map<String, Object> body = rule(Map.of("count", 3, "window_minutes", 10));
            body.put("channels", List.of(hook));
            JsonNode r = api.post(t.admin(), "/api/v1/alert-rules", body).expect(201);
            assertThat(r.path("rate").path("window_minutes").asInt()).isEqualTo(10);
            api.post(other.admin(), "/api/v1/alert-rules", rule(Map.of("count", 1, "window_minutes", 10)))
                    .expect(201);

            JsonNode key = api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "line 3")).expect(201);
            api.post(t.admin(), "/api/v1/provisioning-keys/" + key.path("id").asString() + "/revoke", null)
                    .expect(200);
            JsonNode theirs = api.post(other.admin(), "/api/v1/provisioning-keys", Map.of("label", "x")).expect(201);
            api.post(other.admin(), "/api/v1/provisioning-keys/" + theirs.path("id").asString() + "/revoke", null)
                    .expect(200);
            refused(key.path("key").asString());
            refused(key.path("key").asString());
            refused(theirs.path("key").asString());
            Await.until(Duration.ofSeconds(20), "the other tenant's alert, read after this tenant's attempts", () -> {
                eventAlerts.read();
                return alertsOf(other);
            }, list -> !list.isEmpty());
            assertThat(alertsOf(t)).as("two attempts are under the rate; another tenant's never count").isEmpty();

            refused(key.path("key").asString());
            JsonNode alert = Await.until(Duration.ofSeconds(20), "the provisioning alert", () -> {
                eventAlerts.read();
                return alertsOf(t);
            }, list -> !list.isEmpty()).getFirst();
            assertThat(alert.path("kind").asString()).isEqualTo("provisioning_failures");
            assertThat(alert.path("dedupe_key").asString()).isEqualTo(r.path("id").asString() + ":provisioning");
            assertThat(alert.path("summary").asString()).startsWith("3 provisioning attempts refused in 10 minutes")
                    .contains("register");
            assertThat(alert.path("device_id").isNull()).isTrue();
            assertThat(alertsOf(other)).hasSize(1);

            AlertNotifier notifier = Notifiers.of(ctx, new AlertProperties(false, Duration.ofSeconds(30),
                    sink.url("/v2/enqueue"), Duration.ofSeconds(5)));
            MutableClock clock = new MutableClock(Instant.now());
            JsonNode sent = Await.until(Duration.ofSeconds(20), "the webhook", () -> {
                notifier.step(clock);
                return sink.at("/hook");
            }, got -> !got.isEmpty()).getFirst();
            assertThat(sent.path("type").asString()).isEqualTo("alert.trigger");
            assertThat(sent.path("alert").path("id").asString()).isEqualTo(alert.path("id").asString());

            provisioning.evaluate(clock);
            assertThat(alertsOf(t).getFirst().path("status").asString()).as("three in the window").isEqualTo("OPEN");
            clock.advance(Duration.ofMinutes(11));
            provisioning.evaluate(clock);
            assertThat(alertsOf(t).getFirst().path("status").asString()).isEqualTo("RESOLVED");
        }
    }
}
