package io.fleetkeeper.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fleet query field {@code shadow.reported.PATH}: the same devices on SQLite and PostgreSQL. The store
 * contract tests implement it; each test works in a tenant of its own.
 */
public interface ShadowQueryStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, DeviceService devices, ShadowService shadows, FleetQueries fleet,
            JsonMapper json) {

        static Fixture of(ApplicationContext ctx) {
            UUID tenant = ctx.getBean(TenantService.class).create(new Caller(null, "test-platform", Role.PLATFORM),
                    "sq-" + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
            return new Fixture(tenant, new Caller(tenant, "test-admin", Role.ADMIN), ctx.getBean(DeviceService.class),
                    ctx.getBean(ShadowService.class), ctx.getBean(FleetQueries.class), ctx.getBean(JsonMapper.class));
        }

        UUID device(String name) {
            return devices.create(admin, new NewDevice(name, "meter", null, List.of(), Map.of(), null, null,
                    null)).id();
        }

        void write(UUID device, String shadow, String section, String json) {
            Caller writer = section.equals("reported") ? new Caller(tenant, "device:" + device, Role.OPERATOR) : admin;
            shadows.update(writer, device, shadow, ShadowUpdate.parse(this.json.readTree(
                    "{\"state\":{\"" + section + "\":" + json + "}}"), section, null));
        }

        /** The names of the devices {@code query} selects, in name order. */
        List<String> names(String query) {
            return devices.list(tenant, DeviceFilter.matching(fleet.compile(tenant, query), "name"), null, 50).items()
                    .stream().map(Device::name).toList();
        }

        long count(String query) {
            return fleet.count(tenant, fleet.compile(tenant, query));
        }
    }

    /**
     * Seven devices: a, b, c report values; d has a classic shadow with desired only; e has no shadow; f's
     * shadow was deleted; g reports only in a named shadow.
     */
    static Fixture sevenDevices(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.write(f.device("a"), null, "reported", """
                {"temp": 9, "mode": "eco", "ok": true, "fw": {"version": "2.1", "build": 10}, "list": ["x"],
                 "objs": [{"k": 1}], "n": {"0": 5}, "a-b_c": 1, "big": 9007199254740993}""");
        f.write(f.device("b"), null, "reported", """
                {"temp": 10, "mode": "Eco", "ok": false, "fw": {"version": "10.0", "build": 9.50}, "s": "10"}""");
        f.write(f.device("c"), null, "reported", """
                {"temp": 10.0, "mode": 10, "ok": "true", "fw": "2.1"}""");
        f.write(f.device("d"), null, "desired", "{\"temp\": 9}");
        f.device("e");
        UUID deleted = f.device("f");
        f.write(deleted, null, "reported", "{\"temp\": 9, \"mode\": \"eco\"}");
        f.shadows().delete(f.admin(), deleted, null, null);
        f.write(f.device("g"), "cfg", "reported", "{\"temp\": 9, \"mode\": \"eco\"}");
        return f;
    }

    @Test
    default void numbersCompareNumericallyAndOnlyWithJsonNumbers(ApplicationContext ctx) {
        Fixture f = sevenDevices(ctx);
        assertThat(f.names("shadow.reported.temp = 9")).as("deleted and named shadows do not count")
                .containsExactly("a");
        assertThat(f.names("shadow.reported.temp = 10")).as("10.0 is 10").containsExactly("b", "c");
        assertThat(f.names("shadow.reported.temp < 10")).as("9 < 10 as numbers").containsExactly("a");
        assertThat(f.names("shadow.reported.temp >= 9.5")).containsExactly("b", "c");
        assertThat(f.names("shadow.reported.temp > -1")).containsExactly("a", "b", "c");
        assertThat(f.names("shadow.reported.temp = \"9\"")).as("a string never equals a number").isEmpty();
        assertThat(f.names("shadow.reported.s = 10")).isEmpty();
        assertThat(f.names("shadow.reported.s = \"10\"")).containsExactly("b");
        assertThat(f.names("shadow.reported.s < 9")).as("no order between a string and a number").isEmpty();
        assertThat(f.names("shadow.reported.fw.build = 9.5")).containsExactly("b");
        assertThat(f.names("shadow.reported.fw.build > 9")).containsExactly("a", "b");
        assertThat(f.names("shadow.reported.big = 9007199254740993")).as("integers are exact").containsExactly("a");
        assertThat(f.names("shadow.reported.big = 9007199254740992")).isEmpty();
        String many = IntStream.range(0, 700).mapToObj(i -> i == 10 ? "10.00" : i == 9 ? "-9" : String.valueOf(i))
                .collect(Collectors.joining(", "));
        assertThat(f.names("shadow.reported.temp IN (" + many + ")")).as("700 values, 10.00 among them")
                .containsExactly("b", "c");
    }

    @Test
    default void stringsAndBooleansMatchOnlyTheirOwnJsonType(ApplicationContext ctx) {
        Fixture f = sevenDevices(ctx);
        assertThat(f.names("shadow.reported.mode = \"eco\"")).as("case-sensitive").containsExactly("a");
        assertThat(f.names("shadow.reported.mode > \"Z\"")).as("code point order").containsExactly("a");
        assertThat(f.names("shadow.reported.mode < \"e\"")).containsExactly("b");
        assertThat(f.names("shadow.reported.mode IN (\"Eco\", 10)")).as("mixed types").containsExactly("b", "c");
        assertThat(f.names("shadow.reported.mode IN (\"10\")")).isEmpty();
        assertThat(f.names("shadow.reported.ok = true")).containsExactly("a");
        assertThat(f.names("shadow.reported.ok = false")).containsExactly("b");
        assertThat(f.names("shadow.reported.ok = \"true\"")).containsExactly("c");
        assertThat(f.names("shadow.reported.ok IN (true, false)")).containsExactly("a", "b");
        assertThat(f.names("shadow.reported.ok = 1")).isEmpty();
        assertThat(f.names("shadow.reported.fw.version = \"2.1\"")).containsExactly("a");
        assertThat(f.names("shadow.reported.fw = \"2.1\"")).containsExactly("c");
        assertThat(f.names("shadow.reported.fw.version > \"2\"")).as("text order").containsExactly("a");
        assertThat(f.names("shadow.reported.a-b_c = 1 AND shadow.reported.n.0 = 5")).containsExactly("a");
    }

    @Test
    default void pathsAddressObjectKeysOnlyAndExistsMeansPresent(ApplicationContext ctx) {
        Fixture f = sevenDevices(ctx);
        assertThat(f.names("shadow.reported.temp EXISTS")).containsExactly("a", "b", "c");
        assertThat(f.names("shadow.reported.fw EXISTS")).as("an object or a string").containsExactly("a", "b", "c");
        assertThat(f.names("shadow.reported.fw.version EXISTS")).containsExactly("a", "b");
        assertThat(f.names("shadow.reported.fw.version.x EXISTS")).isEmpty();
        assertThat(f.names("shadow.reported.fw = 10")).as("an object equals no scalar").isEmpty();
        assertThat(f.names("shadow.reported.list = \"x\"")).as("arrays are not unwrapped").isEmpty();
        assertThat(f.names("shadow.reported.list < \"y\"")).isEmpty();
        assertThat(f.names("shadow.reported.list.0 EXISTS")).as("nor indexed").isEmpty();
        assertThat(f.names("shadow.reported.objs.k = 1")).as("nor looked into").isEmpty();
        assertThat(f.names("shadow.reported.objs.k EXISTS")).isEmpty();
        assertThat(f.names("shadow.reported.n.0 EXISTS")).as("a key of digits in an object").containsExactly("a");
        assertThat(f.names("shadow.reported.missing EXISTS")).isEmpty();
    }

    @Test
    default void notAndNotEqualAreExactComplementsOnEveryStore(ApplicationContext ctx) {
        Fixture f = sevenDevices(ctx);
        assertThat(f.names("shadow.reported.temp != 9")).as("devices without the value match !=")
                .containsExactly("b", "c", "d", "e", "f", "g");
        assertThat(f.names("shadow.reported.ok NOT IN (true)")).containsExactly("b", "c", "d", "e", "f", "g");
        assertThat(f.names("NOT shadow.reported.temp EXISTS")).containsExactly("d", "e", "f", "g");
        assertThat(f.names("shadow.reported.temp > 9 AND name != \"c\"")).containsExactly("b");
        for (String q : List.of("shadow.reported.temp = 9", "shadow.reported.temp < 10", "shadow.reported.mode > \"Z\"",
                "shadow.reported.ok IN (true, \"true\", 10)", "shadow.reported.fw.version EXISTS",
                "shadow.reported.list.0 = \"x\"", "shadow.reported.fw.build >= 9.5 OR shadow.reported.s = \"10\"")) {
            assertThat(f.count(q) + f.count("NOT (" + q + ")")).as(q).isEqualTo(7);
        }
    }
}
