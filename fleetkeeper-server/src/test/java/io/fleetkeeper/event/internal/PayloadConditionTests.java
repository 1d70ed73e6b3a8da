package io.fleetkeeper.event.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The payload condition and the topic filter of telemetry routes on their own: what each operator does with each
 * kind of metric, and where a mistake is reported. Routes use them end to end in {@code TelemetryRouteTests}.
 */
class PayloadConditionTests {

    private static final Map<String, Object> MESSAGE = Map.of("t", 31.5, "door", "open", "on", true, "power.v", 230.0);

    private static boolean passes(String condition) {
        return PayloadCondition.parse(condition).test(MESSAGE);
    }

    @Test
    void valuesCompareOnlyWithMetricsOfTheirOwnKind() {
        Map<String, Boolean> cases = new LinkedHashMap<>();
        cases.put("payload.t > 30", true);
        cases.put("payload.t >= 31.5 AND payload.t <= 31.5", true);
        cases.put("payload.t < 3e1", false);
        cases.put("payload.t = \"31.5\"", false); // a string never equals a number
        cases.put("payload.t != \"x\"", false); // nor differs from one: another kind is false
        cases.put("payload.missing != 1", false);
        cases.put("NOT payload.missing = 1", true);
        cases.put("payload.door = \"open\" AND payload.door > \"ajar\"", true);
        cases.put("payload.door IN (\"shut\", \"open\")", true);
        cases.put("payload.door NOT IN (\"shut\", \"open\")", false);
        cases.put("payload.on = true AND payload.on != false", true);
        cases.put("payload.on = 1", false);
        cases.put("payload.power.v > 200", true);
        cases.put("payload.power.v EXISTS AND NOT payload.power.a EXISTS", true);
        cases.put("payload.t > 40 OR (payload.door = \"open\" AND payload.on = TRUE)", true);
        cases.put("payload.t > 40 or payload.door = \"ajar\"", false);
        cases.forEach((condition, expected) -> assertThat(passes(condition)).as(condition).isEqualTo(expected));
    }

    @Test
    void mistakesAreInvalidQueryWithTheirPosition() {
        Map<String, Integer> cases = new LinkedHashMap<>();
        cases.put("payload.t >", 11);
        cases.put("t > 1", 0);
        cases.put("payload.t > 1 payload.x = 2", 14);
        cases.put("payload.on < true", 13);
        cases.put("payload.a.b.c = 1", 0);
        cases.put("payload.t = \"open", 12);
        cases.put("payload.t IN 1", 13);
        cases.put("payload.t ~ 1", 10);
        cases.forEach((condition, position) -> assertThatThrownBy(() -> PayloadCondition.parse(condition))
                .as(condition).isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY);
                    assertThat(e.getMessage()).startsWith("invalid condition at position " + position + ":");
                }));
        assertThatThrownBy(() -> PayloadCondition.parse("(".repeat(17) + "payload.t = 1" + ")".repeat(17)))
                .hasMessageContaining("16 levels");
    }

    @Test
    void topicFiltersMatchLikeMqttFiltersOverTheTelemetryTopics() {
        UUID device = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        assertThat(TelemetryFilter.of("telemetry:fk/+/telemetry").matches(device, "")).isTrue();
        assertThat(TelemetryFilter.of("telemetry:fk/+/telemetry").matches(device, "env")).isFalse();
        assertThat(TelemetryFilter.of("telemetry:fk/+/telemetry/+").matches(device, "")).isFalse();
        assertThat(TelemetryFilter.of("telemetry:fk/+/telemetry/+").matches(device, "env")).isTrue();
        assertThat(TelemetryFilter.of("telemetry:fk/+/telemetry/#").matches(device, "")).isTrue();
        assertThat(TelemetryFilter.of("telemetry:fk/+/telemetry/#").matches(device, "env")).isTrue();
        assertThat(TelemetryFilter.of("telemetry:fk/+/telemetry/env").matches(device, "envx")).isFalse();
        TelemetryFilter one = TelemetryFilter.of("telemetry:fk/" + device + "/telemetry/#");
        assertThat(one.matches(device, "x")).isTrue();
        assertThat(one.matches(other, "x")).isFalse();
        assertThat(TelemetryFilter.problem("telemetry:fk/+/telemetry/#/x")).isNotNull();
        assertThat(TelemetryFilter.problem("telemetry:fk/#")).isNotNull();
        assertThat(TelemetryFilter.problem("telemetry:fk/+/telemetry/")).isNotNull();
        assertThat(TelemetryFilter.problem("telemetry:fk/" + device + "/telemetry/env")).isNull();
    }
}
