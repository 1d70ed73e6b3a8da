package io.fleetkeeper.event;

import io.fleetkeeper.testing.ProviderSink;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.event.internal.AlertNotifier;
import io.fleetkeeper.event.internal.TelemetryAlerts;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Telemetry-threshold alerts end to end: a device posts its values over the HTTPS device API, the rule is
 * evaluated under a clock the test moves (through the telemetry feature's read API), and the alert reaches a
 * webhook channel, then resolves when the values come back.
 */
class TelemetryAlertTests extends ApiTest {

    @Autowired DeviceListener listener;
    @Autowired TelemetryAlerts evaluator;
    @Autowired org.springframework.context.ApplicationContext ctx;

    private ProviderSink sink;
    private AlertNotifier notifier;
    private MutableClock clock;
    private DevicePort port;
    private MqttDevices devices;
    private Instant base;

    @BeforeEach
    void setUp() throws Exception {
        sink = new ProviderSink();
        notifier = Notifiers.of(ctx, new AlertProperties(false, Duration.ofSeconds(30), sink.url("/v2/enqueue"),
                Duration.ofSeconds(5)));
        base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(30));
        clock = new MutableClock(base);
        port = new DevicePort(api, listener.port());
        devices = new MqttDevices(api);
    }

    @AfterEach
    void tearDown() {
        sink.close();
    }

    /** Posts {@code temp} values one a minute from {@code base + fromMinute}. */
    private void post(KeyDevice d, int fromMinute, double... temps) {
        String batch = IntStream.range(0, temps.length).mapToObj(i -> "{\"ts\":" + base.plus(Duration.ofMinutes(
                fromMinute + i)).toEpochMilli() + ",\"temp\":" + temps[i] + "}").collect(Collectors.joining(",", "[",
                "]"));
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", d.key()), batch).expect(202);
    }

    private void evaluateAt(int minute) {
        clock.advance(Duration.between(clock.instant(), base.plus(Duration.ofMinutes(minute))));
        evaluator.evaluate(clock);
    }

    private List<JsonNode> alertsOf(TestTenant t) {
        return api.get(t.admin(), "/api/v1/alerts").expect(200).path("items").valueStream().toList();
    }

    @Test
    void aValueAboveTheThresholdForTheDurationOpensAnAlertThatResolvesWhenItDrops() {
        TestTenant t = newTenant();
        String hook = api.post(t.admin(), "/api/v1/notification-channels", Map.of("name", "hook", "kind", "webhook",
                "url", sink.url("/hook"))).expect(201).path("id").asString();
        JsonNode rule = api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "hot", "kind",
                "telemetry_threshold", "threshold", Map.of("metric", "temp", "operator", ">", "value", 80,
                        "for_minutes", 5), "scope", "name = \"boiler-*\"", "severity", "warning",
                "channels", List.of(hook))).expect(201);
        assertThat(rule.path("threshold").path("operator").asString()).isEqualTo(">");
        KeyDevice boiler = devices.keyDevice(t, "boiler-1");
        KeyDevice outOfScope = devices.keyDevice(t, "fridge-1");
        KeyDevice blip = devices.keyDevice(t, "boiler-2");
        post(boiler, 0, 70, 85, 86, 87, 88, 89, 90, 91);
        post(outOfScope, 0, 90, 90, 90, 90, 90, 90, 90, 90);
        post(blip, 0, 90, 90, 90, 90, 90, 75, 90, 90);

        evaluateAt(5);
        assertThat(alertsOf(t)).as("above since minute 1, not yet for five minutes").isEmpty();
        evaluateAt(6);
        evaluateAt(7);
        List<JsonNode> open = alertsOf(t);
        assertThat(open).as("boiler-2 dipped at minute 5; the fridge is out of scope").singleElement()
                .satisfies(a -> {
                    assertThat(a.path("device_id").asString()).isEqualTo(boiler.id());
                    assertThat(a.path("kind").asString()).isEqualTo("telemetry_threshold");
                    assertThat(a.path("summary").asString()).contains("temp > 80 for 5 minutes");
                });
        String id = open.getFirst().path("id").asString();
        Await.until(Duration.ofSeconds(20), "the trigger at the webhook", () -> {
            notifier.step(java.time.Clock.systemUTC()); // notifications are queued at the server's now
            return sink.at("/hook");
        }, got -> !got.isEmpty());
        JsonNode trigger = sink.at("/hook").getFirst();
        assertThat(trigger.path("type").asString()).isEqualTo("alert.trigger");
        assertThat(trigger.path("alert").path("id").asString()).isEqualTo(id);

        post(boiler, 8, 60);
        evaluateAt(9);
        assertThat(api.get(t.admin(), "/api/v1/alerts/" + id).expect(200).path("status").asString())
                .isEqualTo("RESOLVED");
        Await.until(Duration.ofSeconds(20), "the resolve at the webhook", () -> {
            notifier.step(java.time.Clock.systemUTC()); // notifications are queued at the server's now
            return sink.at("/hook");
        }, got -> got.size() >= 2);
        assertThat(sink.at("/hook").stream().map(b -> b.path("type").asString()))
                .containsExactly("alert.trigger", "alert.resolve");
        assertThat(alertsOf(t)).as("boiler-2 was above for four minutes only").hasSize(1);
    }

    @Test
    void badTelemetryRulesAreRefusedWithTheField() {
        TestTenant t = newTenant();
        assertThat(api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "hot", "kind", "telemetry_threshold",
                "severity", "info")).expectProblem(400, "VALIDATION_FAILED").path("errors")
                .findValuesAsString("field")).containsExactly("threshold");
        assertThat(api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "hot", "kind", "telemetry_threshold",
                "severity", "info", "threshold", Map.of("metric", "te mp", "operator", "==", "for_minutes", -1)))
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("threshold.metric", "threshold.operator", "threshold.value",
                        "threshold.for_minutes");
        assertThat(api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "off", "kind", "device_offline",
                "offline_minutes", 5, "severity", "info", "threshold", Map.of("metric", "temp")))
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field"))
                .containsExactly("threshold");
        assertThat(api.get(t.admin(), "/api/v1/alert-rules").expect(200).path("items")).isEmpty();
    }
}
