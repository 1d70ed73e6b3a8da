package io.fleetkeeper.shadow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.store.Dialect;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What {@code shadow.reported.PATH} sends to each store: paths and values only as bound parameters. */
class ShadowConditionsTest {

    static final UUID TENANT = UUID.fromString("00000000-0000-7000-8000-000000000001");

    @Test
    void pathsAndValuesAreBoundNeverWrittenIntoTheSql() {
        for (Dialect d : Dialect.values()) {
            DeviceCondition c = new ShadowConditions(d).reported(TENANT, "dev.id", List.of("fw", "mode"),
                    Comparison.IN, List.of("x' OR '1'='1", new BigDecimal("2"), true));
            assertThat(c.sql()).as(d.name()).startsWith("EXISTS (SELECT 1 FROM shadows s WHERE s.tenant_id = ?"
                            + " AND s.device_id = dev.id ")
                    .doesNotContain("fw", "mode", "x'", "OR '1'");
            assertThat(c.params().getFirst()).isEqualTo(TENANT.toString());
            assertThat(c.params()).as(d.name()).anySatisfy(p -> assertThat(p.toString()).contains("\"fw\".\"mode\""));
        }
    }

    @Test
    void sqliteBindsNumbersAsNumbersSoTheyCompareNumerically() {
        DeviceCondition c = new ShadowConditions(Dialect.SQLITE).reported(TENANT, "d.id", List.of("t"),
                Comparison.IN, List.of(new BigDecimal("10.0"), new BigDecimal("9.5"), "10"));
        assertThat(c.params()).containsExactly(TENANT.toString(), "$.\"reported\".\"t\"", "$.\"reported\".\"t\"",
                "10", "$.\"reported\".\"t\"", "$.\"reported\".\"t\"", 10L, 9.5);
    }

    @Test
    void postgresTestsOneStrictJsonPath() {
        DeviceCondition lt = new ShadowConditions(Dialect.POSTGRESQL).reported(TENANT, "d.id", List.of("a-b", "0"),
                Comparison.LT, List.of(new BigDecimal("9.50")));
        assertThat(lt.params()).containsExactly(TENANT.toString(), "strict $.\"reported\".\"a-b\".\"0\" ? (@ < $v)",
                "{\"v\":9.50}");
        DeviceCondition in = new ShadowConditions(Dialect.POSTGRESQL).reported(TENANT, "d.id", List.of("a"),
                Comparison.IN, List.of("x\"y", false));
        assertThat(in.params()).containsExactly(TENANT.toString(), "strict $.\"reported\".\"a\"", "[\"x\\\"y\",false]");
    }

    @Test
    void pathsAndValuesOutsideTheRulesAreRefused() {
        ShadowConditions c = new ShadowConditions(Dialect.POSTGRESQL);
        for (List<String> path : List.of(List.<String>of(), List.of("a\""), List.of("a.b"), List.of(""),
                List.of("$"), List.of("\u00fc"), List.of("k".repeat(129)), Collections.nCopies(9, "a"))) {
            assertThatThrownBy(() -> c.reported(TENANT, "d.id", path, Comparison.EXISTS, List.of())).as(path.toString())
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> c.reported(TENANT, "d.id", List.of("a"), Comparison.LT, List.of(true)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.reported(TENANT, "d.id", List.of("a"), Comparison.EQ, List.of(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.reported(TENANT, "d.id", List.of("a"), Comparison.EXISTS, List.of("x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.reported(TENANT, "d.id", List.of("a"), Comparison.EQ, List.of("x", "y")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(c.reported(TENANT, "d.id", Collections.nCopies(8, "k".repeat(128)), Comparison.EXISTS, List.of()))
                .isNotNull();
    }
}
