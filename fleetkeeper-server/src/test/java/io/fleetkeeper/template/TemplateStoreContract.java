package io.fleetkeeper.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.telemetry.TelemetryQueries;
import io.fleetkeeper.telemetry.internal.TelemetryMessage;
import io.fleetkeeper.telemetry.internal.TelemetryMessage.Metric;
import io.fleetkeeper.telemetry.internal.TelemetryStore;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The template feature's store contract, the same on SQLite and PostgreSQL: the fleet query fields
 * {@code template}, {@code template_version}, {@code sensor.KEY[.FIELD]} and {@code module.SLOT[.FIELD]}, each in
 * a tenant of its own.
 */
public interface TemplateStoreContract {

    private static TemplateFields fields(String name, List<TemplateSpec.Sensor> sensors) {
        return new TemplateFields(name, "meter", null, null, null, null, null, sensors, null, null);
    }

    private static List<TemplateSpec.Sensor> sensors(double max) {
        return List.of(new TemplateSpec.Sensor("temperature", null, "Cel", "number", -40.0, max, 60L),
                new TemplateSpec.Sensor("energy", null, "kWh", "number", null, null, null));
    }

    @Test
    default void fleetQueriesSelectDevicesByTemplateVersionAndSensor(ApplicationContext ctx) {
        ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "tpl-");
        ContractTenant other = ContractTenant.create(ctx.getBean(TenantService.class), "tpl-");
        TemplateService templates = ctx.getBean(TemplateService.class);
        DeviceService devices = ctx.getBean(DeviceService.class);
        FleetQueries fleet = ctx.getBean(FleetQueries.class);
        Template meter = templates.create(t.admin(), fields("meter-v", sensors(85)));
        Template pump = templates.create(t.admin(), fields("pump", List.of()));
        Template theirs = templates.create(other.admin(), fields("meter-v", sensors(85)));
        Function<UUID, UUID> from = tid -> devices.create(t.admin(), new NewDevice("d", null, null, List.of(),
                Map.of(), null, null, null, null, null, tid, null)).id();
        UUID a1 = from.apply(meter.id());
        templates.update(t.admin(), meter.id(), fields("meter-v", sensors(120)), null);
        UUID a2 = from.apply(meter.id());
        UUID p1 = from.apply(pump.id());
        UUID plain = devices.create(t.admin(), new NewDevice("plain", "meter", null, List.of(), Map.of(), null, null,
                null)).id();
        Function<String, List<UUID>> ids = q -> devices.list(t.id(), DeviceFilter.matching(
                fleet.compile(t.id(), q), null), null, 50).items().stream().map(Device::id).toList();

        assertThat(ids.apply("template = \"meter-v\"")).containsExactlyInAnyOrder(a1, a2);
        assertThat(ids.apply("template = \"" + meter.id() + "\"")).containsExactlyInAnyOrder(a1, a2);
        assertThat(ids.apply("template IN (\"pump\", \"meter-v\")")).containsExactlyInAnyOrder(a1, a2, p1);
        assertThat(ids.apply("template != \"meter-v\"")).containsExactlyInAnyOrder(p1, plain);
        assertThat(ids.apply("template = \"" + theirs.id() + "\"")).as("another tenant's template").isEmpty();
        assertThat(ids.apply("template = \"nope\" OR NOT template EXISTS")).containsExactly(plain);
        assertThat(ids.apply("template = \"meter-v\" AND template_version < 2")).containsExactly(a1);
        assertThat(ids.apply("template_version >= 2")).containsExactly(a2);
        assertThat(ids.apply("NOT template_version = 1")).containsExactlyInAnyOrder(a2, plain);

        assertThat(ids.apply("sensor.temperature EXISTS")).containsExactlyInAnyOrder(a1, a2);
        assertThat(ids.apply("sensor.temperature.max > 100")).containsExactly(a2);
        assertThat(ids.apply("sensor.energy.unit = \"kWh\" AND NOT sensor.energy.min EXISTS"))
                .containsExactlyInAnyOrder(a1, a2);
        assertThat(ids.apply("sensor.temperature.unit > \"C\"")).as("code-point order")
                .containsExactlyInAnyOrder(a1, a2);
        ctx.getBean(InstanceService.class).patchSensor(t.admin(), a1, "temperature",
                ctx.getBean(JsonMapper.class).readTree("{\"enabled\":false}"), null);
        assertThat(ids.apply("sensor.temperature.enabled = false")).containsExactly(a1);
        assertThat(ids.apply("NOT sensor.temperature.enabled = true")).containsExactlyInAnyOrder(a1, p1, plain);

        long now = System.currentTimeMillis();
        ctx.getBean(TelemetryStore.class).write(List.of(reading(t, a1, now, 30), reading(t, a2, now, 25),
                reading(t, plain, now, 40)));
        assertThat(ids.apply("sensor.temperature > 20")).as("enabled sensors with such a latest reading")
                .containsExactly(a2);
        assertThat(ids.apply("NOT sensor.temperature > 20")).containsExactlyInAnyOrder(a1, p1, plain);
        assertThat(ctx.getBean(TelemetryQueries.class).fleetLatest(t.id(), null, List.of(), null, 50).items())
                .as("units of a page's latest values, from its devices' sensors read at once")
                .filteredOn(d -> !d.values().isEmpty()).extracting(d -> d.deviceId() + ":" + d.values().getFirst()
                        .unit()).containsExactlyInAnyOrder(a1 + ":Cel", a2 + ":Cel", plain + ":null");

        ModuleService modules = ctx.getBean(ModuleService.class);
        Function<String, UUID> untemplated = n -> devices.create(t.admin(), new NewDevice(n, "meter", null, List.of(),
                Map.of(), null, null, null)).id(); // slots of any name: no template restricts them
        UUID m1 = untemplated.apply("m1");
        UUID m2 = untemplated.apply("m2");
        UUID m3 = untemplated.apply("m3");
        modules.put(t.admin(), m1, "modem", new ModuleService.ModuleFields("lte-modem", "SN-1", "2.1.0"), null);
        modules.put(t.admin(), m2, "modem", new ModuleService.ModuleFields("lte-modem", null, "10.0.0"), null);
        modules.put(t.admin(), m3, "meter", new ModuleService.ModuleFields("energy-meter", "SN-9", null), null);
        assertThat(ids.apply("module.modem EXISTS")).containsExactlyInAnyOrder(m1, m2);
        assertThat(ids.apply("NOT module.modem EXISTS")).containsExactlyInAnyOrder(a1, a2, p1, plain, m3);
        assertThat(ids.apply("module.modem.firmware_version = \"2.1.0\"")).containsExactly(m1);
        assertThat(ids.apply("module.modem.firmware_version < \"2\"")).as("code-point order").containsExactly(m2);
        assertThat(ids.apply("module.modem.serial EXISTS")).containsExactly(m1);
        assertThat(ids.apply("module.meter.kind IN (\"energy-meter\", \"x\") OR module.modem.serial = \"SN-1\""))
                .containsExactlyInAnyOrder(m1, m3);
        assertThat(ids.apply("module.modem.kind != \"lte-modem\"")).containsExactlyInAnyOrder(a1, a2, p1, plain, m3);

        for (String bad : List.of("template > \"a\"", "template_version = \"2\"", "sensor.temperature.colour = 1",
                "sensor.temperature.max = \"x\"", "sensor.temperature.enabled = 1", "sensor", "template = true",
                "module.modem = \"x\"", "module.modem.colour = \"x\"", "module.modem.kind = 1", "module",
                "module.Modem EXISTS")) {
            assertThatThrownBy(() -> ids.apply(bad)).as(bad).isInstanceOfSatisfying(ApiException.class,
                    e -> assertThat(e.code().name()).isEqualTo("INVALID_QUERY"));
        }
    }

    private static TelemetryMessage reading(ContractTenant t, UUID device, long now, double value) {
        return new TelemetryMessage(t.id(), device, "m-" + UUID.randomUUID(), now, "",
                List.of(new Metric("temperature", "n", value, null)), now);
    }
}
