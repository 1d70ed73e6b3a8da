package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.SiteService.SiteFields;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
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
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device store contract: devices, their filters, keyset pages, imports and lifecycle counts behave the same
 * on SQLite and PostgreSQL. The store contract tests implement it; each test works in a tenant of its own.
 */
public interface DeviceStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, TenantService tenants, DeviceService devices,
            DeviceImportService imports, SiteService sites, JsonMapper json) {

        static Fixture of(ApplicationContext ctx) {
            TenantService tenants = ctx.getBean(TenantService.class);
            ContractTenant t = ContractTenant.create(tenants, "dc-");
            return new Fixture(t.id(), t.admin(), tenants, ctx.getBean(DeviceService.class),
                    ctx.getBean(DeviceImportService.class), ctx.getBean(SiteService.class),
                    ctx.getBean(JsonMapper.class));
        }

        Device create(String name, String serial, Map<String, String> meta, String... tags) {
            return devices.create(admin, device(name, serial, meta, tags));
        }

        UUID otherTenant() {
            return ContractTenant.create(tenants, "o-").id();
        }

        /** The first 50 devices {@code filter} selects. */
        List<UUID> ids(DeviceFilter filter) {
            return DeviceStoreContract.ids(devices.list(tenant, filter, null, 50));
        }
    }

    static NewDevice device(String name, String serial, Map<String, String> meta, String... tags) {
        return new NewDevice(name, "meter", serial, List.of(tags), meta, "1.0", "rev-a", null);
    }

    static DeviceFilter filter() {
        return new DeviceFilter(null, null, null, null, null, null, null, null, null, null);
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
    default void createdDeviceReadsBackIdentically(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("pump-1", "SN-1", Map.of("region", "eu", "floor", "2"), "lab", "north");
        Device read = f.devices().get(f.tenant(), d.id());
        assertThat(read).isEqualTo(d);
        assertThat(read.status()).isEqualTo(DeviceStatus.ACTIVE);
        assertThat(read.version()).isEqualTo(1);
    }

    @Test
    default void aDevicesEventsBetweenTwoTimesArePagedNewestFirstWithinTheRangeOnly(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("ranged", null, Map.of());
        Instant t0 = Instant.parse("2026-06-01T00:00:00Z");
        List<NewDeviceEvent> batch = new ArrayList<>();
        for (int m = 0; m < 10; m++) {
            batch.add(new NewDeviceEvent(d.id(), "HEALTH-CHANGED", "system", "{\"m\":" + m + "}",
                    t0.plusSeconds(60L * m)));
        }
        f.devices().recordEvents(f.tenant(), batch);
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do { // [t0+3m, t0+7m): minutes 6, 5, 4, 3, two a page
            Page<DeviceEvent> page = f.devices().eventsBetween(f.tenant(), d.id(), t0.plusSeconds(180),
                    t0.plusSeconds(420), cursor, 2);
            page.items().forEach(e -> seen.add(e.details()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(seen).containsExactly("{\"m\":6}", "{\"m\":5}", "{\"m\":4}", "{\"m\":3}");
        assertThat(f.devices().eventsBetween(f.tenant(), d.id(), null, t0.plusSeconds(60), null, 50).items())
                .extracting(DeviceEvent::details).containsExactly("{\"m\":0}");
        assertThat(f.devices().eventsBetween(f.tenant(), d.id(), t0.plusSeconds(540), null, null, 50).items())
                .extracting(DeviceEvent::type).containsExactly("HEALTH-CHANGED", "CREATED"); // CREATED has the lower id
        assertThatThrownBy(() -> f.devices().eventsBetween(f.otherTenant(), d.id(), null, null, null, 50))
                .isInstanceOf(ApiException.class);
    }

    @Test
    default void serialIsUniquePerTenantOnly(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.create("a", "SAME", Map.of());
        assertThatThrownBy(() -> f.create("b", "SAME", Map.of()))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
        UUID other = f.otherTenant();
        Device inOther = f.devices().create(new Caller(other, "x", Role.ADMIN), device("b", "SAME", Map.of()));
        assertThat(inOther.serial()).isEqualTo("SAME");
    }

    @Test
    default void otherTenantsDevicesAreInvisible(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("mine", null, Map.of());
        UUID other = f.otherTenant();
        assertThatThrownBy(() -> f.devices().get(other, d.id())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(f.devices().list(other, filter(), null, 50).items()).isEmpty();
    }

    @Test
    default void mergePatchChangesFieldsAndIndexes(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("a", "S1", Map.of("region", "eu", "model", "x"), "t1");
        Device p = f.devices().patch(f.admin(), d.id(),
                f.json().readTree(
                        "{\"metadata\":{\"region\":\"us\",\"model\":null},\"tags\":[\"t2\"],\"serial\":null}"),
                1L);
        assertThat(p.metadata()).containsExactlyEntriesOf(Map.of("region", "us"));
        assertThat(p.tags()).containsExactly("t2");
        assertThat(p.serial()).isNull();
        assertThat(p.version()).isEqualTo(2);
        assertThat(ids(f.devices().list(f.tenant(), metadataFilter("region", "us"), null, 50))).containsExactly(d.id());
        assertThat(f.devices().list(f.tenant(), metadataFilter("region", "eu"), null, 50).items()).isEmpty();
        assertThat(f.devices().list(f.tenant(), tagFilter("t1"), null, 50).items()).isEmpty();
        assertThat(ids(f.devices().list(f.tenant(), tagFilter("t2"), null, 50))).containsExactly(d.id());
    }

    @Test
    default void staleVersionIsRefusedAndChangesNothing(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("a", null, Map.of());
        f.devices().patch(f.admin(), d.id(), f.json().readTree("{\"name\":\"b\"}"), 1L);
        assertThatThrownBy(() -> f.devices().patch(f.admin(), d.id(),
                f.json().readTree("{\"name\":\"c\"}"), 1L))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
        assertThat(f.devices().get(f.tenant(), d.id()).name()).isEqualTo("b");
    }

    @Test
    default void concurrentPatchesWithTheSameVersionHaveOneWinner(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("a", null, Map.of());
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
                    f.devices().patch(f.admin(), d.id(),
                            f.json().readTree("{\"name\":\"" + name + "\"}"), 1L);
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
        assertThat(f.devices().get(f.tenant(), d.id()).version()).isEqualTo(2);
    }

    @Test
    default void statsStayExactUnderConcurrentCreates(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            int k = i;
            done.add(pool.submit(() -> f.create("d" + k, "S" + k, Map.of())));
        }
        for (var future : done) {
            future.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        var stats = f.devices().stats(f.tenant());
        assertThat(stats.total()).isEqualTo(80);
        assertThat(stats.byStatus()).containsEntry("active", 80L);
        assertThat(stats.byType()).containsEntry("meter", 80L);
    }

    @Test
    default void manyVirtualThreadWritersNeitherStallNorFail(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        // Requests run on virtual threads over few carriers; a writer waiting for the store must park, not pin
        // its carrier (on SQLite a native busy-wait pinned both carriers and stalled everything for 30 s).
        long start = System.nanoTime();
        List<Future<Long>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 16; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    List<ImportRow> rows = new ArrayList<>();
                    for (int i = 0; i < 400; i++) {
                        rows.add(ImportRow.parsed(i + 1, device("v", "V" + thread + "-" + i, Map.of("k", "v"))));
                    }
                    return f.imports().importDevices(f.admin(), rows.iterator(), false, r -> { }).created();
                }));
            }
            long created = 0;
            for (var future : done) {
                created += future.get(60, TimeUnit.SECONDS);
            }
            assertThat(created).isEqualTo(16 * 400);
        }
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
        assertThat(f.devices().stats(f.tenant()).total()).isEqualTo(16 * 400);
    }

    @Test
    default void lifecycleTransitionsMoveTheCounts(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("a", null, Map.of());
        f.devices().suspend(f.admin(), d.id(), null);
        assertThat(f.devices().stats(f.tenant()).byStatus()).containsEntry("suspended", 1L).doesNotContainKey("active");
        assertThatThrownBy(() -> f.devices().suspend(f.admin(), d.id(), null)).isInstanceOfSatisfying(
                ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TRANSITION));
        f.devices().resume(f.admin(), d.id(), null);
        f.devices().decommission(f.admin(), d.id(), null);
        assertThatThrownBy(() -> f.devices().resume(f.admin(), d.id(), null)).isInstanceOfSatisfying(
                ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TRANSITION));
        f.devices().purge(f.admin(), d.id(), null);
        assertThat(f.devices().stats(f.tenant()).total()).isZero();
        assertThat(f.devices().events(f.tenant(), f.create("b", null, Map.of()).id(), null, 10).items()).hasSize(1);
    }

    @Test
    default void eventsFilterByTypeWithTheFormerNameAsAnAlias(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("a", null, Map.of());
        f.devices().recordEvent(f.tenant(), d.id(), "STATUS-CHANGED", "x", null); // stored before the rename
        f.devices().suspend(f.admin(), d.id(), null);
        f.devices().recordProvisioned(f.tenant(), d.id(), "x", null);
        f.devices().recordProvisioned(f.tenant(), d.id(), "x", null);

        for (String name : List.of("STATUS-UPDATED", "STATUS-CHANGED")) {
            assertThat(f.devices().events(f.tenant(), d.id(), Set.of(name), null, 10).items())
                    .extracting(DeviceEvent::type).containsExactly("STATUS-UPDATED", "STATUS-CHANGED");
        }
        assertThat(f.devices().events(f.tenant(), d.id(), Set.of("PROVISIONED", "CREATED"), null, 10).items())
                .extracting(DeviceEvent::type).containsExactly("PROVISIONED", "CREATED");
    }

    @Test
    default void keysetPaginationVisitsEveryDeviceOnceInEverySort(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        for (int i = 0; i < 23; i++) {
            f.create("n-" + (char) ('a' + (i * 7) % 23), i % 3 == 0 ? null : "S" + (100 - i), Map.of());
        }
        for (String sort : List.of("id", "-id", "name", "-name", "serial", "-serial")) {
            List<UUID> seen = new ArrayList<>();
            String cursor = null;
            List<Device> all = new ArrayList<>();
            do {
                DeviceFilter sorted = new DeviceFilter(null, null, null, null, null, null, null, null, null, sort);
                Page<Device> page = f.devices().list(f.tenant(), sorted, cursor, 5);
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
    default void everyFilterSelectsTheSameDevicesOnEveryStore(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        UUID site = f.sites().create(f.admin(), new SiteFields("plant", null, null)).id();
        Device a = f.devices().create(f.admin(), new NewDevice("a", "meter", "AB-1", List.of("x"),
                Map.of("region", "eu"), "2.0", null, site));
        Device b = f.devices().create(f.admin(), new NewDevice("b", "valve", "AB-2", List.of("x", "y"),
                Map.of("region", "us"), "1.0", null, null));
        Device c = f.devices().create(f.admin(), new NewDevice("c", "meter", "CD-1", List.of(),
                Map.of(), "1.0", null, null));
        f.devices().suspend(f.admin(), c.id(), null);
        assertThat(f.ids(new DeviceFilter("meter", null, null, null, null, null, null, null, null, null)))
                .containsExactly(a.id(), c.id());
        assertThat(f.ids(new DeviceFilter(null, DeviceStatus.SUSPENDED, null, null, null, null, null, null, null,
                null))).containsExactly(c.id());
        assertThat(f.ids(new DeviceFilter(null, null, site.toString(), null, null, null, null, null, null, null)))
                .containsExactly(a.id());
        assertThat(f.ids(new DeviceFilter(null, null, null, List.of("x", "y"), null, null, null, null, null, null)))
                .containsExactly(b.id());
        assertThat(f.ids(new DeviceFilter(null, null, null, null, null, "1.0", null, null, null, null)))
                .containsExactly(b.id(), c.id());
        assertThat(f.ids(new DeviceFilter(null, null, null, null, null, null, "AB-", null, null, null)))
                .containsExactly(a.id(), b.id());
        assertThat(f.ids(new DeviceFilter(null, null, null, null, null, null, null, Instant.EPOCH, null, null)))
                .isEmpty();
        assertThat(ids(f.devices().list(f.tenant(), metadataFilter("region", "eu' OR '1'='1"), null, 50))).isEmpty();
    }

    /**
     * Metadata values keep their JSON type: a number literal compares numerically with numbers (9 &lt; 10 &lt;
     * 100, not as text) and as text with string values, a string literal matches strings only, a boolean
     * booleans only; every test is two-valued, so NOT is its complement.
     */
    @Test
    default void typedMetadataComparesNumbersNumericallyOnEveryStore(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        DeviceConditions conditions = ctx.getBean(DeviceConditions.class);
        Map<String, Object> nested = new java.util.LinkedHashMap<>();
        nested.put("list", List.of(1L, "two", false));
        nested.put("none", null);
        Map<String, Object> withNull = new java.util.HashMap<>();
        withNull.put("level", null);
        Device nine = typed(f, "nine", Map.of("level", 9, "on", true, "limits", nested));
        Device ten = typed(f, "ten", Map.of("level", 10L, "on", false));
        Device tenAndAHalf = typed(f, "ten-and-a-half", Map.of("level", 10.5));
        Device hundred = typed(f, "hundred", Map.of("level", new java.math.BigDecimal("1E+2")));
        Device text = typed(f, "text-10", Map.of("level", "10", "on", "true"));
        Device nothing = typed(f, "null", withNull);
        Device none = typed(f, "none", Map.of());

        Device read = f.devices().get(f.tenant(), nine.id());
        assertThat(read).isEqualTo(nine);
        assertThat(read.metadata()).containsEntry("level", 9L).containsEntry("on", true);
        assertThat(read.metadata().get("limits")).isEqualTo(nested);
        assertThat(f.devices().get(f.tenant(), hundred.id()).metadata()).containsEntry("level", 100L);
        assertThat(f.devices().get(f.tenant(), tenAndAHalf.id()).metadata()).containsEntry("level", 10.5);
        assertThat(f.devices().get(f.tenant(), nothing.id()).metadata()).containsKey("level")
                .containsEntry("level", null);

        java.util.function.BiFunction<DeviceConditions.Test, List<Object>, List<UUID>> level = (test, values) ->
                f.ids(DeviceFilter.matching(conditions.test(f.tenant(), DeviceField.METADATA, "level", test, values),
                        "name"));
        java.math.BigDecimal tenLiteral = new java.math.BigDecimal("10");
        // By name: hundred, nine, none, null, ten, ten-and-a-half, text-10.
        assertThat(level.apply(DeviceConditions.Test.GT, List.of(tenLiteral)))
                .as("numbers above 10 numerically; the string \"10\" is not above \"10\"")
                .containsExactly(hundred.id(), tenAndAHalf.id());
        assertThat(level.apply(DeviceConditions.Test.LT, List.of(tenLiteral))).containsExactly(nine.id());
        assertThat(level.apply(DeviceConditions.Test.LE, List.of(new java.math.BigDecimal("100"))))
                .containsExactly(hundred.id(), nine.id(), ten.id(), tenAndAHalf.id(), text.id());
        assertThat(level.apply(DeviceConditions.Test.EQ, List.of(tenLiteral)))
                .as("the number 10, and the string \"10\" as before values had types")
                .containsExactly(ten.id(), text.id());
        assertThat(level.apply(DeviceConditions.Test.EQ, List.of("10"))).containsExactly(text.id());
        assertThat(level.apply(DeviceConditions.Test.IN, List.of(new java.math.BigDecimal("9.0"), "nope")))
                .containsExactly(nine.id());
        assertThat(level.apply(DeviceConditions.Test.EXISTS, List.of())).hasSize(6).doesNotContain(none.id());
        DeviceCondition notAbove = DeviceCondition.not(conditions.test(f.tenant(), DeviceField.METADATA, "level",
                DeviceConditions.Test.GT, List.of(tenLiteral)));
        assertThat(f.ids(DeviceFilter.matching(notAbove, "name")))
                .containsExactly(nine.id(), none.id(), nothing.id(), ten.id(), text.id());

        assertThat(f.ids(DeviceFilter.matching(conditions.test(f.tenant(), DeviceField.METADATA, "on",
                DeviceConditions.Test.EQ, List.of(true)), "name"))).containsExactly(nine.id());
        assertThat(f.ids(DeviceFilter.matching(conditions.test(f.tenant(), DeviceField.METADATA, "on",
                DeviceConditions.Test.EQ, List.of("true")), "name"))).containsExactly(text.id());
        assertThat(f.ids(DeviceFilter.matching(conditions.test(f.tenant(), DeviceField.METADATA, "level",
                DeviceConditions.Test.PREFIX, List.of("1")), "name"))).containsExactly(text.id());
        // The simple ?metadata=key:value filter compares the value's text.
        assertThat(f.ids(metadataFilter("level", "10"))).containsExactly(ten.id(), text.id());
    }

    private static Device typed(Fixture f, String name, Map<String, ?> meta) {
        return f.devices().create(f.admin(), new NewDevice(name, "meter", null, List.of(), meta, null, null, null));
    }

    @Test
    default void importCommitsValidRowsAndReportsEveryRow(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.create("existing", "DUP", Map.of());
        List<ImportRow> rows = new ArrayList<>();
        for (int i = 1; i <= 2500; i++) {
            rows.add(ImportRow.parsed(i, device("d" + i, "IMP-" + i, Map.of("k", "v" + (i % 3)))));
        }
        rows.add(ImportRow.parsed(2501, device("dup", "DUP", Map.of())));
        rows.add(ImportRow.parsed(2502, device("dup2", "IMP-1", Map.of())));
        rows.add(ImportRow.parsed(2503, device("", null, Map.of())));
        rows.add(ImportRow.unparsable(2504, "bad"));
        List<ImportResult> results = new ArrayList<>();
        var summary = f.imports().importDevices(f.admin(), rows.iterator(), false, results::add);
        assertThat(summary.created()).isEqualTo(2500);
        assertThat(summary.failed()).isEqualTo(4);
        assertThat(results).extracting(ImportResult::line).isSorted().hasSize(2504);
        assertThat(results.subList(2500, 2504)).extracting(ImportResult::code)
                .containsExactly("ALREADY_EXISTS", "ALREADY_EXISTS", "VALIDATION_FAILED", "MALFORMED_REQUEST");
        assertThat(f.devices().stats(f.tenant()).total()).isEqualTo(2501);
        assertThat(f.devices().list(f.tenant(), metadataFilter("k", "v1"), null, 1000).items()).hasSize(834);
        Set<UUID> created = new HashSet<>();
        results.stream().filter(r -> r.id() != null).forEach(r -> created.add(r.id()));
        assertThat(created).hasSize(2500);
    }

    @Test
    default void atomicImportWithABadRowCreatesNothing(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        List<ImportRow> rows = IntStream.rangeClosed(1, 1500)
                .mapToObj(i -> ImportRow.parsed(i, device("d" + i, "AT-" + i, Map.of()))).collect(
                        Collectors.toCollection(ArrayList::new));
        rows.add(ImportRow.parsed(1501, device("x", "AT-1", Map.of())));
        List<ImportResult> results = new ArrayList<>();
        var summary = f.imports().importDevices(f.admin(), rows.iterator(), true, results::add);
        assertThat(summary.committed()).isFalse();
        assertThat(results).hasSize(1501);
        assertThat(results.get(0).result()).isEqualTo("rolled_back");
        assertThat(results.get(1500).result()).isEqualTo("failed");
        assertThat(f.devices().stats(f.tenant()).total()).isZero();
        assertThat(f.devices().list(f.tenant(), filter(), null, 10).items()).isEmpty();
    }

    @Test
    default void importedTextAndNumbersReadBackExactlyOnEveryStore(ApplicationContext ctx) {
        // PostgreSQL loads import batches through COPY: quotes, separators, line breaks, empty texts and
        // absent values must come back as they went in.
        Fixture f = Fixture.of(ctx);
        Map<String, Object> meta = new java.util.LinkedHashMap<>();
        meta.put("note", "");
        meta.put("quote", "say \"hi\", then \\leave");
        meta.put("lines", "one\ntwo\r\nthree");
        meta.put("level", 42.5);
        meta.put("big", 12345678901L);
        meta.put("on", true);
        meta.put("unicode", "Zürich — 東京");
        List<NewDevice> sent = List.of(
                new NewDevice("a \"quoted\", name", "meter", "Q\"1,\\", List.of("a:b", "x/y"), meta, "1.0", null, null),
                new NewDevice("\\.", "meter", null, List.of(), Map.of(), null, null, null),
                new NewDevice("plain", "meter", "\\.", List.of("t"), Map.of("k", ","), "2", "rev", null));
        List<ImportRow> rows = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            rows.add(ImportRow.parsed(i + 1, sent.get(i)));
        }
        List<ImportResult> results = new ArrayList<>();
        var summary = f.imports().importDevices(f.admin(), rows.iterator(), false, results::add);
        assertThat(results).extracting(ImportResult::code).containsOnlyNulls();
        assertThat(summary.created()).isEqualTo(3);
        for (int i = 0; i < sent.size(); i++) {
            NewDevice want = sent.get(i);
            Device got = f.devices().get(f.tenant(), results.get(i).id());
            assertThat(got.name()).isEqualTo(want.name());
            assertThat(got.serial()).isEqualTo(want.serial());
            assertThat(got.tags()).containsExactlyInAnyOrderElementsOf(want.tags());
            assertThat(got.metadata()).isEqualTo(want.metadata());
            assertThat(got.firmwareVersion()).isEqualTo(want.firmwareVersion());
            assertThat(got.hardwareRevision()).isEqualTo(want.hardwareRevision());
        }
        assertThat(f.ids(metadataFilter("quote", "say \"hi\", then \\leave"))).containsExactly(results.get(0).id());
        assertThat(f.ids(metadataFilter("note", ""))).containsExactly(results.get(0).id());
        assertThat(f.ids(tagFilter("x/y"))).containsExactly(results.get(0).id());
    }
}
