package io.fleetkeeper.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.audit.AuditQuery;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.command.Command;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.command.CommandStatus;
import io.fleetkeeper.command.NewCommand;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceImportService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.device.ImportResult;
import io.fleetkeeper.device.ImportRow;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.device.SiteService;
import io.fleetkeeper.device.SiteService.SiteFields;
import io.fleetkeeper.fleet.Aggregate.Bucket;
import io.fleetkeeper.fleet.FleetGroup;
import io.fleetkeeper.fleet.FleetGroupService;
import io.fleetkeeper.fleet.FleetGroupService.GroupFields;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.fleet.GroupMembership;
import io.fleetkeeper.fleet.GroupMembership.MemberChange;
import io.fleetkeeper.shadow.Shadow;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.tenancy.TokenService;
import io.fleetkeeper.web.ApiException;
import io.fleetkeeper.web.ErrorCode;
import io.fleetkeeper.web.Page;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The store contract: the same behaviour on every backend. Concrete subclasses only choose the
 * store; each test works in a tenant of its own.
 */
abstract class StoreContract {

    @Autowired TenantService tenants;
    @Autowired TokenService tokens;
    @Autowired DeviceService devices;
    @Autowired DeviceImportService imports;
    @Autowired SiteService sites;
    @Autowired AuditService audit;
    @Autowired JsonMapper json;
    @Autowired FleetQueries fleet;
    @Autowired FleetGroupService groups;
    @Autowired GroupMembership membership;
    @Autowired JdbcClient jdbc;
    @Autowired ShadowService shadows;
    @Autowired CommandService commands;

    static final Caller PLATFORM = new Caller(null, "test-platform", Role.PLATFORM);
    UUID tenant;
    Caller admin;

    @BeforeEach
    void newTenant() {
        tenant = tenants.create(PLATFORM, "c-" + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
        admin = new Caller(tenant, "test-admin", Role.ADMIN);
    }

    static NewDevice device(String name, String serial, Map<String, String> meta, String... tags) {
        return new NewDevice(name, "meter", serial, List.of(tags), meta, "1.0", "rev-a", null);
    }

    Device create(String name, String serial, Map<String, String> meta, String... tags) {
        return devices.create(tenant, admin, device(name, serial, meta, tags));
    }

    static DeviceFilter filter() {
        return new DeviceFilter(null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void createdDeviceReadsBackIdentically() {
        Device d = create("pump-1", "SN-1", Map.of("region", "eu", "floor", "2"), "lab", "north");
        Device read = devices.get(tenant, d.id());
        assertThat(read).isEqualTo(d);
        assertThat(read.status()).isEqualTo(DeviceStatus.ACTIVE);
        assertThat(read.version()).isEqualTo(1);
    }

    @Test
    void serialIsUniquePerTenantOnly() {
        create("a", "SAME", Map.of());
        assertThatThrownBy(() -> create("b", "SAME", Map.of()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
        UUID other = tenants.create(PLATFORM, "o-" + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
        Device inOther = devices.create(other, new Caller(other, "x", Role.ADMIN), device("b", "SAME", Map.of()));
        assertThat(inOther.serial()).isEqualTo("SAME");
    }

    @Test
    void otherTenantsDevicesAreInvisible() {
        Device d = create("mine", null, Map.of());
        UUID other = tenants.create(PLATFORM, "o-" + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
        assertThatThrownBy(() -> devices.get(other, d.id())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(devices.list(other, filter(), null, 50).items()).isEmpty();
    }

    @Test
    void mergePatchChangesFieldsAndIndexes() throws Exception {
        Device d = create("a", "S1", Map.of("region", "eu", "model", "x"), "t1");
        Device p = devices.patch(tenant, admin, d.id(),
                json.readTree("{\"metadata\":{\"region\":\"us\",\"model\":null},\"tags\":[\"t2\"],\"serial\":null}"),
                1L);
        assertThat(p.metadata()).containsExactlyEntriesOf(Map.of("region", "us"));
        assertThat(p.tags()).containsExactly("t2");
        assertThat(p.serial()).isNull();
        assertThat(p.version()).isEqualTo(2);
        assertThat(ids(devices.list(tenant, metadataFilter("region", "us"), null, 50))).containsExactly(d.id());
        assertThat(devices.list(tenant, metadataFilter("region", "eu"), null, 50).items()).isEmpty();
        assertThat(devices.list(tenant, tagFilter("t1"), null, 50).items()).isEmpty();
        assertThat(ids(devices.list(tenant, tagFilter("t2"), null, 50))).containsExactly(d.id());
    }

    @Test
    void staleVersionIsRefusedAndChangesNothing() throws Exception {
        Device d = create("a", null, Map.of());
        devices.patch(tenant, admin, d.id(), json.readTree("{\"name\":\"b\"}"), 1L);
        assertThatThrownBy(() -> devices.patch(tenant, admin, d.id(), json.readTree("{\"name\":\"c\"}"), 1L))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
        assertThat(devices.get(tenant, d.id()).name()).isEqualTo("b");
    }

    @Test
    void concurrentPatchesWithTheSameVersionHaveOneWinner() throws Exception {
        Device d = create("a", null, Map.of());
        int n = 16;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger won = new AtomicInteger();
        ConcurrentLinkedQueue<ErrorCode> lost = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < n; i++) {
            String name = "name-" + i;
            pool.submit(() -> {
                start.await();
                try {
                    devices.patch(tenant, admin, d.id(), json.readTree("{\"name\":\"" + name + "\"}"), 1L);
                    won.incrementAndGet();
                } catch (ApiException e) {
                    lost.add(e.code());
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(won.get()).isEqualTo(1);
        assertThat(lost).hasSize(n - 1).containsOnly(ErrorCode.PRECONDITION_FAILED);
        assertThat(devices.get(tenant, d.id()).version()).isEqualTo(2);
    }

    @Test
    void statsStayExactUnderConcurrentCreates() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            int k = i;
            done.add(pool.submit(() -> create("d" + k, "S" + k, Map.of())));
        }
        for (var f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        var stats = devices.stats(tenant);
        assertThat(stats.total()).isEqualTo(80);
        assertThat(stats.byStatus()).containsEntry("active", 80L);
        assertThat(stats.byType()).containsEntry("meter", 80L);
    }

    @Test
    void manyVirtualThreadWritersNeitherStallNorFail() throws Exception {
        // Requests run on virtual threads over few carriers; a writer waiting for the store must park, not pin
        // its carrier (on SQLite a native busy-wait pinned both carriers and stalled everything for 30 s).
        long start = System.nanoTime();
        List<java.util.concurrent.Future<Long>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 16; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    List<ImportRow> rows = new ArrayList<>();
                    for (int i = 0; i < 400; i++) {
                        rows.add(ImportRow.parsed(i + 1, device("v", "V" + thread + "-" + i, Map.of("k", "v"))));
                    }
                    return imports.importDevices(tenant, admin, rows.iterator(), false, r -> { }).created();
                }));
            }
            long created = 0;
            for (var f : done) {
                created += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(created).isEqualTo(16 * 400);
        }
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
        assertThat(devices.stats(tenant).total()).isEqualTo(16 * 400);
    }

    @Test
    void lifecycleTransitionsMoveTheCounts() {
        Device d = create("a", null, Map.of());
        devices.suspend(tenant, admin, d.id(), null);
        assertThat(devices.stats(tenant).byStatus()).containsEntry("suspended", 1L).doesNotContainKey("active");
        assertThatThrownBy(() -> devices.suspend(tenant, admin, d.id(), null)).isInstanceOfSatisfying(
                ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TRANSITION));
        devices.resume(tenant, admin, d.id(), null);
        devices.decommission(tenant, admin, d.id(), null);
        assertThatThrownBy(() -> devices.resume(tenant, admin, d.id(), null)).isInstanceOfSatisfying(
                ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TRANSITION));
        devices.purge(tenant, admin, d.id(), null);
        assertThat(devices.stats(tenant).total()).isZero();
        assertThat(devices.events(tenant, create("b", null, Map.of()).id(), null, 10).items()).hasSize(1);
    }

    @Test
    void keysetPaginationVisitsEveryDeviceOnceInEverySort() {
        for (int i = 0; i < 23; i++) {
            create("n-" + (char) ('a' + (i * 7) % 23), i % 3 == 0 ? null : "S" + (100 - i), Map.of());
        }
        for (String sort : List.of("id", "-id", "name", "-name", "serial", "-serial")) {
            List<UUID> seen = new ArrayList<>();
            String cursor = null;
            List<Device> all = new ArrayList<>();
            do {
                DeviceFilter f = new DeviceFilter(null, null, null, null, null, null, null, null, null, sort);
                Page<Device> page = devices.list(tenant, f, cursor, 5);
                page.items().forEach(d -> seen.add(d.id()));
                all.addAll(page.items());
                cursor = page.nextCursor();
            } while (cursor != null);
            assertThat(seen).as(sort).hasSize(23).doesNotHaveDuplicates();
            if (sort.equals("name")) {
                assertThat(all).extracting(Device::name).isSorted();
            }
        }
    }

    @Test
    void everyFilterSelectsTheSameDevicesOnEveryStore() throws Exception {
        UUID site = sites.create(tenant, admin, new SiteFields("plant", null, null)).id();
        Device a = devices.create(tenant, admin, new NewDevice("a", "meter", "AB-1", List.of("x"),
                Map.of("region", "eu"), "2.0", null, site));
        Device b = devices.create(tenant, admin, new NewDevice("b", "valve", "AB-2", List.of("x", "y"),
                Map.of("region", "us"), "1.0", null, null));
        Device c = devices.create(tenant, admin, new NewDevice("c", "meter", "CD-1", List.of(),
                Map.of(), "1.0", null, null));
        devices.suspend(tenant, admin, c.id(), null);
        assertThat(ids(devices.list(tenant, new DeviceFilter("meter", null, null, null, null, null, null, null, null,
                null), null, 50))).containsExactly(a.id(), c.id());
        assertThat(ids(devices.list(tenant, new DeviceFilter(null, DeviceStatus.SUSPENDED, null, null, null, null,
                null, null, null, null), null, 50))).containsExactly(c.id());
        assertThat(ids(devices.list(tenant, new DeviceFilter(null, null, site.toString(), null, null, null, null,
                null, null, null), null, 50))).containsExactly(a.id());
        assertThat(ids(devices.list(tenant, new DeviceFilter(null, null, null, List.of("x", "y"), null, null, null,
                null, null, null), null, 50))).containsExactly(b.id());
        assertThat(ids(devices.list(tenant, new DeviceFilter(null, null, null, null, null, "1.0", null, null, null,
                null), null, 50))).containsExactly(b.id(), c.id());
        assertThat(ids(devices.list(tenant, new DeviceFilter(null, null, null, null, null, null, "AB-", null, null,
                null), null, 50))).containsExactly(a.id(), b.id());
        assertThat(ids(devices.list(tenant, new DeviceFilter(null, null, null, null, null, null, null,
                Instant.EPOCH, null, null), null, 50))).isEmpty();
        assertThat(ids(devices.list(tenant, metadataFilter("region", "eu' OR '1'='1"), null, 50))).isEmpty();
    }

    @Test
    void importCommitsValidRowsAndReportsEveryRow() {
        create("existing", "DUP", Map.of());
        List<ImportRow> rows = new ArrayList<>();
        for (int i = 1; i <= 2500; i++) {
            rows.add(ImportRow.parsed(i, device("d" + i, "IMP-" + i, Map.of("k", "v" + (i % 3)))));
        }
        rows.add(ImportRow.parsed(2501, device("dup", "DUP", Map.of())));
        rows.add(ImportRow.parsed(2502, device("dup2", "IMP-1", Map.of())));
        rows.add(ImportRow.parsed(2503, device("", null, Map.of())));
        rows.add(ImportRow.unparsable(2504, "bad"));
        List<ImportResult> results = new ArrayList<>();
        var summary = imports.importDevices(tenant, admin, rows.iterator(), false, results::add);
        assertThat(summary.created()).isEqualTo(2500);
        assertThat(summary.failed()).isEqualTo(4);
        assertThat(results).extracting(ImportResult::line).isSorted().hasSize(2504);
        assertThat(results.subList(2500, 2504)).extracting(ImportResult::code)
                .containsExactly("ALREADY_EXISTS", "ALREADY_EXISTS", "VALIDATION_FAILED", "MALFORMED_REQUEST");
        assertThat(devices.stats(tenant).total()).isEqualTo(2501);
        assertThat(devices.list(tenant, metadataFilter("k", "v1"), null, 1000).items()).hasSize(834);
        Set<UUID> created = new HashSet<>();
        results.stream().filter(r -> r.id() != null).forEach(r -> created.add(r.id()));
        assertThat(created).hasSize(2500);
    }

    @Test
    void atomicImportWithABadRowCreatesNothing() {
        List<ImportRow> rows = IntStream.rangeClosed(1, 1500)
                .mapToObj(i -> ImportRow.parsed(i, device("d" + i, "AT-" + i, Map.of()))).collect(
                        java.util.stream.Collectors.toCollection(ArrayList::new));
        rows.add(ImportRow.parsed(1501, device("x", "AT-1", Map.of())));
        List<ImportResult> results = new ArrayList<>();
        var summary = imports.importDevices(tenant, admin, rows.iterator(), true, results::add);
        assertThat(summary.committed()).isFalse();
        assertThat(results).hasSize(1501);
        assertThat(results.get(0).result()).isEqualTo("rolled_back");
        assertThat(results.get(1500).result()).isEqualTo("failed");
        assertThat(devices.stats(tenant).total()).isZero();
        assertThat(devices.list(tenant, filter(), null, 10).items()).isEmpty();
    }

    @Test
    void tokensAuthenticateUntilRevoked() {
        var issued = tokens.create(tenant, admin, "ci", "viewer", null);
        Caller c = tokens.authenticate(issued.secret());
        assertThat(c.tenantId()).isEqualTo(tenant);
        assertThat(c.role()).isEqualTo(Role.VIEWER);
        tokens.revoke(tenant, issued.token().id(), admin);
        assertThatThrownBy(() -> tokens.authenticate(issued.secret())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }

    @Test
    void suspendedTenantsTokensFail() {
        var issued = tokens.create(tenant, admin, "ci", "admin", null);
        tokens.authenticate(issued.secret());
        tenants.suspend(PLATFORM, tenant);
        assertThatThrownBy(() -> tokens.authenticate(issued.secret())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TENANT_SUSPENDED));
        tenants.resume(PLATFORM, tenant);
        assertThat(tokens.authenticate(issued.secret()).tenantId()).isEqualTo(tenant);
    }

    @Test
    void auditRecordsMutationsNewestFirst() {
        Device d = create("a", null, Map.of());
        devices.suspend(tenant, admin, d.id(), null);
        var page = audit.list(tenant, new AuditQuery(null, null, "device", d.id().toString(), null, null), null, 10);
        assertThat(page.items()).extracting(e -> e.action()).containsExactly("device.suspend", "device.create");
        assertThat(audit.list(tenant, new AuditQuery(null, "device.create", null, null, null, null), null, 10)
                .items()).hasSize(1);
    }

    /** Four devices that tell the fleet query operators apart; {@code last_seen} set directly (no MQTT yet). */
    List<Device> fleetOfFour() {
        Device a = devices.create(tenant, admin, new NewDevice("pump-a", "meter", "AB-1", List.of("lab", "north"),
                Map.of("region", "eu-west", "floor", "2"), "2.1", "rev-a", null));
        Device b = devices.create(tenant, admin, new NewDevice("pump-b", "meter", null, List.of("north"),
                Map.of("region", "eu-north"), "2.0", null, null));
        Device c = devices.create(tenant, admin, new NewDevice("Valve-c", "valve", "CD-1", List.of(),
                Map.of("region", "us-east"), null, null, null));
        Device d = devices.create(tenant, admin, new NewDevice("p\u00fcmp-d", "meter", "CD-2", List.of("lab"),
                Map.of(), "10.0", null, null));
        devices.suspend(tenant, admin, d.id(), null);
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
        return devices.list(tenant, DeviceFilter.matching(fleet.compile(tenant, query), "name"), null, 50).items()
                .stream().map(Device::name).toList();
    }

    @Test
    void fleetQueriesSelectTheSameDevicesOnEveryStore() {
        fleetOfFour();
        assertThat(names("type = \"meter\" AND metadata.region IN (\"eu-west\", \"eu-north\") AND "
                + "last_seen > now-1h AND NOT tag = \"lab\"")).isEmpty();
        assertThat(names("type = \"meter\" AND metadata.region IN (\"eu-west\", \"eu-north\") AND "
                + "last_seen > now-3h AND NOT tag = \"lab\"")).containsExactly("pump-b");
        assertThat(names("last_seen > now-1h")).containsExactly("pump-a", "p\u00fcmp-d");
        assertThat(names("last_seen EXISTS")).hasSize(3);
        assertThat(names("registered_at > now-1h AND registered_at <= now")).hasSize(4);
        assertThat(names("status = \"suspended\"")).containsExactly("p\u00fcmp-d");
        assertThat(names("status IN (\"active\") AND identity_status = \"no_identity\"")).hasSize(3);
        assertThat(names("tag = \"lab\" OR tag = \"north\" AND NOT serial EXISTS"))
                .containsExactly("pump-a", "pump-b", "p\u00fcmp-d");
        assertThat(names("(tag = \"lab\" OR tag = \"north\") AND NOT serial EXISTS")).containsExactly("pump-b");
        assertThat(names("tag != \"lab\"")).containsExactly("Valve-c", "pump-b");
        assertThat(names("tag EXISTS")).hasSize(3);
        assertThat(names("metadata.region = \"eu*\"")).containsExactly("pump-a", "pump-b");
        assertThat(names("metadata.region != \"eu-west\"")).containsExactly("Valve-c", "pump-b", "p\u00fcmp-d");
        assertThat(names("metadata.floor EXISTS AND metadata.floor >= \"2\"")).containsExactly("pump-a");
        assertThat(names("name = \"p\u00fc*\"")).containsExactly("p\u00fcmp-d");
        assertThat(names("name = \"PUMP*\"")).as("prefixes are case-sensitive on both stores").isEmpty();
        assertThat(names("name < \"pump-b\"")).as("code point order: upper case first")
                .containsExactly("Valve-c", "pump-a");
        assertThat(names("firmware > \"2\"")).as("text order").containsExactly("pump-a", "pump-b");
        assertThat(names("firmware != \"2.1\"")).as("a missing value is not equal")
                .containsExactly("Valve-c", "pump-b", "p\u00fcmp-d");
        assertThat(names("serial = \"CD*\" AND hardware EXISTS")).isEmpty();
        assertThat(names("serial NOT IN (\"AB-1\", \"CD-1\")")).containsExactly("pump-b", "p\u00fcmp-d");
        assertThat(names("name = \"x' OR '1'='1\"")).isEmpty();
    }

    @Test
    void notIsAnExactComplementOnEveryStore() {
        fleetOfFour();
        for (String q : List.of("firmware = \"2.0\"", "serial > \"B\"", "last_seen < now-1h", "metadata.floor = \"2\"",
                "tag IN (\"lab\", \"x\")", "site EXISTS", "hardware = \"rev*\"")) {
            long yes = fleet.count(tenant, fleet.compile(tenant, q));
            long no = fleet.count(tenant, fleet.compile(tenant, "NOT (" + q + ")"));
            assertThat(yes + no).as(q).isEqualTo(4);
        }
    }

    @Test
    void aggregationCountsPerValueLargestFirst() {
        fleetOfFour();
        assertThat(fleet.aggregate(tenant, (String) null, "type", 10).items())
                .containsExactly(new Bucket("meter", 3), new Bucket("valve", 1));
        assertThat(fleet.aggregate(tenant, "type = \"meter\"", "tag", 10).items())
                .containsExactly(new Bucket("lab", 2), new Bucket("north", 2));
        assertThat(fleet.aggregate(tenant, (String) null, "metadata.region", 10).items()).containsExactly(
                new Bucket("eu-north", 1), new Bucket("eu-west", 1), new Bucket("us-east", 1), new Bucket(null, 1));
        assertThat(fleet.aggregate(tenant, (String) null, "status", 10).items())
                .containsExactly(new Bucket("active", 3), new Bucket("suspended", 1));
        var top = fleet.aggregate(tenant, (String) null, "firmware", 2);
        assertThat(top.items()).hasSize(2);
        assertThat(top.truncated()).isTrue();
    }

    @Test
    void wholeTenantAggregationFromMaintainedCountsEqualsTheScanAfterEveryKindOfChange() throws Exception {
        List<Device> four = fleetOfFour();
        devices.patch(tenant, admin, four.get(1).id(), json.readTree("{\"firmware_version\":\"2.1\"}"), null);
        devices.patch(tenant, admin, four.get(0).id(), json.readTree("{\"firmware_version\":\"\"}"), null);
        devices.patch(tenant, admin, four.get(2).id(), json.readTree("{\"device_type\":\"meter\"}"), null);
        Device gone = create("gone", "GONE-1", Map.of());
        devices.decommission(tenant, admin, four.get(3).id(), null);
        devices.purge(tenant, admin, gone.id(), null);
        imports.importDevices(tenant, admin, List.of(ImportRow.parsed(1, new NewDevice("imported", "valve", null,
                List.of(), Map.of(), "2.1", null, null))).iterator(), false, r -> { });

        DeviceCondition everyDevice = fleet.compile(tenant, "registered_at EXISTS"); // forces the scan
        for (String field : List.of("firmware", "type", "status", "site", "identity_status")) {
            for (int limit : List.of(1, 2, 10)) {
                var maintained = fleet.aggregate(tenant, (DeviceCondition) null, field, limit);
                var scanned = fleet.aggregate(tenant, everyDevice, field, limit);
                assertThat(maintained).as(field + " limit " + limit).isEqualTo(scanned);
            }
        }
        assertThat(fleet.aggregate(tenant, (DeviceCondition) null, "firmware", 10).items()).containsExactly(
                new Bucket("2.1", 2), new Bucket("", 1), new Bucket("10.0", 1), new Bucket(null, 1));
    }

    @Test
    void staticAndHierarchicalGroupsOnEveryStore() {
        List<Device> four = fleetOfFour();
        UUID other = tenants.create(PLATFORM, "o-" + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
        Device foreign = devices.create(other, new Caller(other, "x", Role.ADMIN), device("f", null, Map.of()));
        FleetGroup meters = groups.create(tenant, admin, new GroupFields("meters", "dynamic", "type = \"meter\"",
                null));
        FleetGroup picked = groups.create(tenant, admin, new GroupFields("picked", "static", null, meters.id()));
        var result = membership.change(tenant, admin, picked.id(), new MemberChange(List.of(
                four.get(0).id().toString(), four.get(2).id().toString(), foreign.id().toString(), "nope",
                four.get(3).id().toString()), List.of()));
        assertThat(result.added()).isEqualTo(3);
        assertThat(result.rejected()).extracting(r -> r.id()).containsExactly("nope", foreign.id().toString());
        assertThat(membership.count(tenant, meters.id(), null)).isEqualTo(3);
        assertThat(membership.count(tenant, picked.id(), null)).as("members AND the parent's query").isEqualTo(2);
        assertThat(ids(membership.devices(tenant, picked.id(), "status = \"active\"", null, null, 10)))
                .containsExactly(four.get(0).id());
        var removed = membership.change(tenant, admin, picked.id(), new MemberChange(List.of(),
                List.of(four.get(0).id().toString(), four.get(1).id().toString())));
        assertThat(removed.removed()).isEqualTo(1);
        assertThat(removed.rejected()).extracting(r -> r.reason()).containsExactly("is not a member");
        assertThat(ids(membership.devices(tenant, picked.id(), null, null, null, 10)))
                .containsExactly(four.get(3).id());
        assertThatThrownBy(() -> groups.get(other, meters.id())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void bulkMembersOfAStaticGroupPageWithTheDeviceKeyset() {
        List<ImportRow> rows = new ArrayList<>();
        for (int i = 1; i <= 1200; i++) {
            rows.add(ImportRow.parsed(i, device("m" + i, "M-" + i, Map.of())));
        }
        imports.importDevices(tenant, admin, rows.iterator(), false, r -> { });
        List<String> all = devices.list(tenant, filter(), null, 1000).items().stream()
                .map(d -> d.id().toString()).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        all.addAll(devices.list(tenant, filter(), devices.list(tenant, filter(), null, 1000).nextCursor(), 1000)
                .items().stream().map(d -> d.id().toString()).toList());
        FleetGroup g = groups.create(tenant, admin, new GroupFields("bulk", "static", null, null));
        assertThat(membership.change(tenant, admin, g.id(), new MemberChange(all, null)).added()).isEqualTo(1200);
        assertThat(membership.change(tenant, admin, g.id(), new MemberChange(all.subList(0, 700), null)).added())
                .as("adding again is a no-op").isZero();
        Set<UUID> seen = new HashSet<>();
        String cursor = null;
        do {
            Page<Device> page = membership.devices(tenant, g.id(), null, "-name", cursor, 500);
            page.items().forEach(d -> seen.add(d.id()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(seen).hasSize(1200);
        assertThat(membership.change(tenant, admin, g.id(), new MemberChange(null, all.subList(0, 1100))).removed())
                .isEqualTo(1100);
        assertThat(membership.count(tenant, g.id(), null)).isEqualTo(100);
    }

    ShadowUpdate desired(String json, Long ifMatch) {
        return ShadowUpdate.parse(this.json.readTree("{\"state\":{\"desired\":" + json + "}}"), "desired", ifMatch);
    }

    @Test
    void shadowUpdatesExpectingTheSameVersionHaveOneWinner() throws Exception {
        Device d = create("s", null, Map.of());
        shadows.update(tenant, admin, d.id(), null, desired("{\"n\":-1}", null));
        int n = 100;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Shadow> won = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<ErrorCode> lost = new ConcurrentLinkedQueue<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
            for (int i = 0; i < n; i++) {
                int k = i;
                pool.submit(() -> {
                    start.await();
                    try {
                        won.add(shadows.update(tenant, admin, d.id(), null, desired("{\"n\":" + k + "}", 1L)));
                    } catch (ApiException e) {
                        lost.add(e.code());
                    }
                    return null;
                });
            }
            start.countDown();
        }
        assertThat(won).hasSize(1);
        assertThat(lost).hasSize(n - 1).containsOnly(ErrorCode.PRECONDITION_FAILED);
        Shadow stored = shadows.get(tenant, d.id(), null);
        assertThat(stored.version()).isEqualTo(2);
        assertThat(stored.state().desired()).isEqualTo(won.peek().state().desired());
    }

    @Test
    void concurrentShadowUpdatesWithoutExpectationAllApply() throws Exception {
        Device d = create("s", null, Map.of());
        int n = 24;
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<java.util.concurrent.Future<Object>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                done.add(pool.submit(() -> {
                    start.await();
                    return shadows.update(tenant, admin, d.id(), "cfg", desired("{\"k" + k + "\":" + k + "}", null));
                }));
            }
            start.countDown();
            for (var f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        Shadow stored = shadows.get(tenant, d.id(), "cfg");
        assertThat(stored.version()).isEqualTo(n);
        assertThat(stored.state().desired().size()).isEqualTo(n);
    }

    @Test
    void shadowVersionsSurviveDeleteAndHistoryKeepsTheLastTen() {
        Device d = create("s", null, Map.of());
        for (int i = 1; i <= 12; i++) {
            shadows.update(tenant, admin, d.id(), null, desired("{\"i\":" + i + "}", null));
        }
        shadows.delete(tenant, admin, d.id(), null, 12L);
        assertThatThrownBy(() -> shadows.get(tenant, d.id(), null)).isInstanceOf(ApiException.class);
        assertThat(shadows.update(tenant, admin, d.id(), null, desired("{\"i\":0}", null)).version()).isEqualTo(14);
        var history = shadows.history(tenant, d.id(), null);
        assertThat(history).extracting(v -> v.version()).containsExactly(14L, 13L, 12L, 11L, 10L, 9L, 8L, 7L, 6L, 5L);
        assertThat(history.get(1).deleted()).isTrue();
        assertThat(shadows.history(tenant, d.id(), null, 12).document().state().desired().path("i").asInt())
                .isEqualTo(12);
        assertThat(shadows.list(tenant, d.id())).hasSize(1);
    }

    @Test
    void purgingADeviceDeletesItsShadows() {
        Device d = create("s", null, Map.of());
        shadows.update(tenant, admin, d.id(), null, desired("{\"a\":1}", null));
        shadows.update(tenant, admin, d.id(), "cfg", desired("{\"a\":1}", null));
        devices.purge(tenant, admin, d.id(), null);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM shadows WHERE tenant_id = ? AND device_id = ?")
                .params(tenant.toString(), d.id().toString()).query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM shadow_history WHERE tenant_id = ? AND device_id = ?")
                .params(tenant.toString(), d.id().toString()).query(Long.class).single()).isZero();
    }

    static DeviceFilter metadataFilter(String key, String value) {
        return new DeviceFilter(null, null, null, null, Map.of(key, value), null, null, null, null, null);
    }

    static DeviceFilter tagFilter(String tag) {
        return new DeviceFilter(null, null, null, List.of(tag), null, null, null, null, null, null);
    }

    static List<UUID> ids(Page<Device> page) {
        return page.items().stream().map(Device::id).toList();
    }

    @Test
    void racingCommandTransitionsHaveOneWinnerAndFinalStatesStayFinal() throws Exception {
        Device d = create("cmd-1", "SN-CMD-1", Map.of());
        Command c = commands.create(tenant, admin, d.id(), new NewCommand("reboot", null, 600L, "key-1")).command();
        assertThat(commands.create(tenant, admin, d.id(), new NewCommand("reboot", null, 600L, "key-1")).created())
                .isFalse();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicInteger wins = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            String status = k % 2 == 0 ? "SUCCEEDED" : "FAILED";
            futures.add(pool.submit(() -> {
                start.await();
                try {
                    commands.report(tenant, d.id(), c.id(), status, null);
                    wins.incrementAndGet();
                } catch (ApiException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TRANSITION);
                }
                return null;
            }));
        }
        start.countDown();
        for (var f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(wins.get()).isEqualTo(1);
        Command done = commands.get(tenant, d.id(), c.id());
        assertThat(done.status()).isIn(CommandStatus.SUCCEEDED, CommandStatus.FAILED);
        assertThatThrownBy(() -> commands.cancel(tenant, admin, d.id(), c.id())).isInstanceOf(ApiException.class);
        assertThat(commands.acknowledge(tenant, d.id(), c.id())).isFalse();
        assertThat(commands.get(tenant, d.id(), c.id()).status()).isEqualTo(done.status());
        assertThat(commands.list(tenant, d.id(), done.status(), null, 10).items()).hasSize(1);
    }
}
