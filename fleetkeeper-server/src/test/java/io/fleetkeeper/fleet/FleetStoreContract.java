package io.fleetkeeper.fleet;

import static io.fleetkeeper.device.DeviceStoreContract.device;
import static io.fleetkeeper.device.DeviceStoreContract.filter;
import static io.fleetkeeper.device.DeviceStoreContract.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceImportService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.ImportRow;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.fleet.Aggregate.Bucket;
import io.fleetkeeper.fleet.FleetGroupService.GroupFields;
import io.fleetkeeper.fleet.GroupMembership.MemberChange;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fleet store contract: fleet queries, their aggregations and static or hierarchical groups select the same
 * devices on SQLite and PostgreSQL. The store contract tests implement it; each test works in a tenant of its own.
 */
public interface FleetStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, TenantService tenants, DeviceService devices,
            DeviceImportService imports, FleetQueries fleet, FleetGroupService groups, GroupMembership membership,
            JdbcClient jdbc, JsonMapper json) {

        static Fixture of(ApplicationContext ctx) {
            TenantService tenants = ctx.getBean(TenantService.class);
            ContractTenant t = ContractTenant.create(tenants, "fc-");
            return new Fixture(t.id(), t.admin(), tenants, ctx.getBean(DeviceService.class),
                    ctx.getBean(DeviceImportService.class), ctx.getBean(FleetQueries.class),
                    ctx.getBean(FleetGroupService.class), ctx.getBean(GroupMembership.class),
                    ctx.getBean(JdbcClient.class), ctx.getBean(JsonMapper.class));
        }

        Device create(String name, String serial, Map<String, String> meta, String... tags) {
            return devices.create(admin, device(name, serial, meta, tags));
        }

        UUID otherTenant() {
            return ContractTenant.create(tenants, "o-").id();
        }

        /** Four devices that tell the fleet query operators apart; {@code last_seen} set directly (no MQTT). */
        List<Device> fleetOfFour() {
            Device a = devices.create(admin, new NewDevice("pump-a", "meter", "AB-1", List.of("lab", "north"),
                    Map.of("region", "eu-west", "floor", "2"), "2.1", "rev-a", null));
            Device b = devices.create(admin, new NewDevice("pump-b", "meter", null, List.of("north"),
                    Map.of("region", "eu-north"), "2.0", null, null));
            Device c = devices.create(admin, new NewDevice("Valve-c", "valve", "CD-1", List.of(),
                    Map.of("region", "us-east"), null, null, null));
            Device d = devices.create(admin, new NewDevice("p\u00fcmp-d", "meter", "CD-2", List.of("lab"),
                    Map.of(), "10.0", null, null));
            devices.suspend(admin, d.id(), null);
            long now = System.currentTimeMillis();
            seen(a, now - 60_000);
            seen(b, now - 7_200_000);
            seen(d, now - 60_000);
            return List.of(a, b, c, d);
        }

        void seen(Device d, long millis) {
            jdbc.sql("UPDATE devices SET last_seen_at = ? WHERE tenant_id = ? AND id = ?")
                    .params(millis, tenant.toString(), d.id().toString()).update();
        }

        List<String> names(String query) {
            return devices.list(tenant, DeviceFilter.matching(fleet.compile(tenant, query), "name"), null, 50)
                    .items().stream().map(Device::name).toList();
        }
    }

    @Test
    default void fleetQueriesSelectTheSameDevicesOnEveryStore(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.fleetOfFour();
        assertThat(f.names("type = \"meter\" AND metadata.region IN (\"eu-west\", \"eu-north\") AND "
                + "last_seen > now-1h AND NOT tag = \"lab\"")).isEmpty();
        assertThat(f.names("type = \"meter\" AND metadata.region IN (\"eu-west\", \"eu-north\") AND "
                + "last_seen > now-3h AND NOT tag = \"lab\"")).containsExactly("pump-b");
        assertThat(f.names("last_seen > now-1h")).containsExactly("pump-a", "p\u00fcmp-d");
        assertThat(f.names("last_seen EXISTS")).hasSize(3);
        assertThat(f.names("registered_at > now-1h AND registered_at <= now")).hasSize(4);
        assertThat(f.names("status = \"suspended\"")).containsExactly("p\u00fcmp-d");
        assertThat(f.names("status IN (\"active\") AND identity_status = \"no_identity\"")).hasSize(3);
        assertThat(f.names("tag = \"lab\" OR tag = \"north\" AND NOT serial EXISTS"))
                .containsExactly("pump-a", "pump-b", "p\u00fcmp-d");
        assertThat(f.names("(tag = \"lab\" OR tag = \"north\") AND NOT serial EXISTS")).containsExactly("pump-b");
        assertThat(f.names("tag != \"lab\"")).containsExactly("Valve-c", "pump-b");
        assertThat(f.names("tag EXISTS")).hasSize(3);
        assertThat(f.names("metadata.region = \"eu*\"")).containsExactly("pump-a", "pump-b");
        assertThat(f.names("metadata.region != \"eu-west\"")).containsExactly("Valve-c", "pump-b", "p\u00fcmp-d");
        assertThat(f.names("metadata.floor EXISTS AND metadata.floor >= \"2\"")).containsExactly("pump-a");
        assertThat(f.names("name = \"p\u00fc*\"")).containsExactly("p\u00fcmp-d");
        assertThat(f.names("name = \"PUMP*\"")).as("prefixes are case-sensitive on both stores").isEmpty();
        assertThat(f.names("name < \"pump-b\"")).as("code point order: upper case first")
                .containsExactly("Valve-c", "pump-a");
        assertThat(f.names("firmware > \"2\"")).as("text order").containsExactly("pump-a", "pump-b");
        assertThat(f.names("firmware != \"2.1\"")).as("a missing value is not equal")
                .containsExactly("Valve-c", "pump-b", "p\u00fcmp-d");
        assertThat(f.names("serial = \"CD*\" AND hardware EXISTS")).isEmpty();
        assertThat(f.names("serial NOT IN (\"AB-1\", \"CD-1\")")).containsExactly("pump-b", "p\u00fcmp-d");
        assertThat(f.names("name = \"x' OR '1'='1\"")).isEmpty();
    }

    @Test
    default void notIsAnExactComplementOnEveryStore(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.fleetOfFour();
        for (String q : List.of("firmware = \"2.0\"", "serial > \"B\"", "last_seen < now-1h", "metadata.floor = \"2\"",
                "tag IN (\"lab\", \"x\")", "site EXISTS", "hardware = \"rev*\"")) {
            long yes = f.fleet().count(f.tenant(), f.fleet().compile(f.tenant(), q));
            long no = f.fleet().count(f.tenant(), f.fleet().compile(f.tenant(), "NOT (" + q + ")"));
            assertThat(yes + no).as(q).isEqualTo(4);
        }
    }

    @Test
    default void aggregationCountsPerValueLargestFirst(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.fleetOfFour();
        assertThat(f.fleet().aggregate(f.tenant(), (String) null, "type", 10).items())
                .containsExactly(new Bucket("meter", 3), new Bucket("valve", 1));
        assertThat(f.fleet().aggregate(f.tenant(), "type = \"meter\"", "tag", 10).items())
                .containsExactly(new Bucket("lab", 2), new Bucket("north", 2));
        assertThat(f.fleet().aggregate(f.tenant(), (String) null, "metadata.region", 10).items()).containsExactly(
                new Bucket("eu-north", 1), new Bucket("eu-west", 1), new Bucket("us-east", 1), new Bucket(null, 1));
        assertThat(f.fleet().aggregate(f.tenant(), (String) null, "status", 10).items())
                .containsExactly(new Bucket("active", 3), new Bucket("suspended", 1));
        var top = f.fleet().aggregate(f.tenant(), (String) null, "firmware", 2);
        assertThat(top.items()).hasSize(2);
        assertThat(top.truncated()).isTrue();
    }

    @Test
    default void wholeTenantAggregationFromMaintainedCountsEqualsTheScanAfterEveryKindOfChange(ApplicationContext ctx)
            throws Exception {
        Fixture f = Fixture.of(ctx);
        List<Device> four = f.fleetOfFour();
        f.devices().patch(f.admin(), four.get(1).id(),
                f.json().readTree("{\"firmware_version\":\"2.1\"}"), null);
        f.devices().patch(f.admin(), four.get(0).id(),
                f.json().readTree("{\"firmware_version\":\"\"}"), null);
        f.devices().patch(f.admin(), four.get(2).id(),
                f.json().readTree("{\"device_type\":\"meter\"}"), null);
        Device gone = f.create("gone", "GONE-1", Map.of());
        f.devices().decommission(f.admin(), four.get(3).id(), null);
        f.devices().purge(f.admin(), gone.id(), null);
        f.imports().importDevices(f.admin(), List.of(ImportRow.parsed(1, new NewDevice("imported",
                "valve", null,
                List.of(), Map.of(), "2.1", null, null))).iterator(), false, r -> { });

        DeviceCondition everyDevice = f.fleet().compile(f.tenant(), "registered_at EXISTS"); // forces the scan
        for (String field : List.of("firmware", "type", "status", "site", "identity_status")) {
            for (int limit : List.of(1, 2, 10)) {
                var maintained = f.fleet().aggregate(f.tenant(), (DeviceCondition) null, field, limit);
                var scanned = f.fleet().aggregate(f.tenant(), everyDevice, field, limit);
                assertThat(maintained).as(field + " limit " + limit).isEqualTo(scanned);
            }
        }
        assertThat(f.fleet().aggregate(f.tenant(), (DeviceCondition) null, "firmware", 10).items()).containsExactly(
                new Bucket("2.1", 2), new Bucket("", 1), new Bucket("10.0", 1), new Bucket(null, 1));
    }

    @Test
    default void staticAndHierarchicalGroupsOnEveryStore(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        List<Device> four = f.fleetOfFour();
        UUID other = f.otherTenant();
        Device foreign = f.devices().create(new Caller(other, "x", Role.ADMIN), device("f", null, Map.of()));
        FleetGroup meters = f.groups().create(f.admin(),
                new GroupFields("meters", "dynamic", "type = \"meter\"", null));
        FleetGroup picked = f.groups().create(f.admin(),
                new GroupFields("picked", "static", null, meters.id()));
        var result = f.membership().change(f.admin(), picked.id(), new MemberChange(List.of(
                four.get(0).id().toString(), four.get(2).id().toString(), foreign.id().toString(), "nope",
                four.get(3).id().toString()), List.of()));
        assertThat(result.added()).isEqualTo(3);
        assertThat(result.rejected()).extracting(r -> r.id()).containsExactly("nope", foreign.id().toString());
        assertThat(f.membership().count(f.tenant(), meters.id(), null)).isEqualTo(3);
        assertThat(f.membership().count(f.tenant(), picked.id(), null)).as("members AND the parent's query")
                .isEqualTo(2);
        assertThat(ids(f.membership().devices(f.tenant(), picked.id(), "status = \"active\"", null, null, 10)))
                .containsExactly(four.get(0).id());
        var removed = f.membership().change(f.admin(), picked.id(), new MemberChange(List.of(),
                List.of(four.get(0).id().toString(), four.get(1).id().toString())));
        assertThat(removed.removed()).isEqualTo(1);
        assertThat(removed.rejected()).extracting(r -> r.reason()).containsExactly("is not a member");
        assertThat(ids(f.membership().devices(f.tenant(), picked.id(), null, null, null, 10)))
                .containsExactly(four.get(3).id());
        assertThatThrownBy(() -> f.groups().get(other, meters.id())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    default void bulkMembersOfAStaticGroupPageWithTheDeviceKeyset(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        List<ImportRow> rows = new ArrayList<>();
        for (int i = 1; i <= 1200; i++) {
            rows.add(ImportRow.parsed(i, device("m" + i, "M-" + i, Map.of())));
        }
        f.imports().importDevices(f.admin(), rows.iterator(), false, r -> { });
        List<String> all = f.devices().list(f.tenant(), filter(), null, 1000).items().stream()
                .map(d -> d.id().toString()).collect(Collectors.toCollection(ArrayList::new));
        String second = f.devices().list(f.tenant(), filter(), null, 1000).nextCursor();
        all.addAll(f.devices().list(f.tenant(), filter(), second, 1000).items().stream()
                .map(d -> d.id().toString()).toList());
        FleetGroup g = f.groups().create(f.admin(), new GroupFields("bulk", "static", null, null));
        GroupMembership membership = f.membership();
        assertThat(membership.change(f.admin(), g.id(), new MemberChange(all, null)).added())
                .isEqualTo(1200);
        assertThat(membership.change(f.admin(), g.id(), new MemberChange(all.subList(0, 700), null))
                .added()).as("adding again is a no-op").isZero();
        Set<UUID> seen = new HashSet<>();
        String cursor = null;
        do {
            Page<Device> page = f.membership().devices(f.tenant(), g.id(), null, "-name", cursor, 500);
            page.items().forEach(d -> seen.add(d.id()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(seen).hasSize(1200);
        assertThat(membership.change(f.admin(), g.id(), new MemberChange(null, all.subList(0, 1100)))
                .removed()).isEqualTo(1100);
        assertThat(f.membership().count(f.tenant(), g.id(), null)).isEqualTo(100);
    }
}
