package io.fleetkeeper.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceConditions;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.device.DeviceTelemetry;
import io.fleetkeeper.fleet.internal.ConditionCompiler;
import io.fleetkeeper.store.Dialect;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fleet query field {@code telemetry.METRIC}: what the parser accepts and what reaches the telemetry feature. */
class TelemetryQueryFieldTests {

    private static final UUID TENANT = UUID.fromString("00000000-0000-7000-8000-000000000001");

    record Call(String deviceId, String metric, Comparison comparison, List<Object> values) {
    }

    private final List<Call> calls = new ArrayList<>();
    private final DeviceTelemetry telemetry = (tenantId, deviceId, metric, comparison, values) -> {
        calls.add(new Call(deviceId, metric, comparison, values));
        return new DeviceCondition("LATEST(?)", List.of(tenantId.toString()));
    };

    private DeviceCondition compile(String query, DeviceTelemetry provider) {
        return ConditionCompiler.compile(FleetQuery.parse(query).root(), TENANT, Instant.EPOCH,
                new DeviceConditions(Dialect.SQLITE, null, null, provider));
    }

    @Test
    void predicatesReachTheTelemetryFeatureTypedAndNegationsStayOutside() {
        assertThat(compile("type = \"meter\" AND telemetry.battery < 20", telemetry).sql())
                .endsWith("AND ((LATEST(?)))");
        assertThat(calls.getLast()).isEqualTo(new Call("d.id", "battery", Comparison.LT,
                List.of(new BigDecimal("20"))));
        assertThat(compile("telemetry.power.v != 230", telemetry).sql()).isEqualTo("NOT ((LATEST(?)))");
        assertThat(calls.getLast()).isEqualTo(new Call("d.id", "power.v", Comparison.EQ,
                List.of(new BigDecimal("230"))));
        compile("telemetry.mode IN (\"eco\", true)", telemetry);
        assertThat(calls.getLast().values()).containsExactly("eco", true);
        compile("telemetry.door EXISTS", telemetry);
        assertThat(calls.getLast().comparison()).isEqualTo(Comparison.EXISTS);
        assertThatThrownBy(() -> compile("telemetry.battery < 20", null)).as("without the telemetry feature")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"telemetry < 3", "telemetry. < 3", "telemetry.a.b.c < 3", "telemetry.a b < 3",
        "telemetry.x = \"a*\"", "telemetry.a;DROP = 1",
        "telemetry.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk EXISTS"})
    void metricsOutsideTheRulesAreRefused(String query) {
        assertThatThrownBy(() -> FleetQuery.parse(query)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY));
    }
}
