package io.fleetkeeper.telemetry;

import static io.fleetkeeper.device.DeviceStoreContract.device;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceHealthService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.store.Leases;
import io.fleetkeeper.telemetry.TelemetryQueries.Range;
import io.fleetkeeper.telemetry.internal.Downsampling;
import io.fleetkeeper.telemetry.internal.HealthEvaluator;
import io.fleetkeeper.telemetry.internal.Partitions;
import io.fleetkeeper.telemetry.internal.Retention;
import io.fleetkeeper.telemetry.internal.SettingsRepository;
import io.fleetkeeper.telemetry.internal.TelemetryMessage;
import io.fleetkeeper.telemetry.internal.TelemetryMessage.Metric;
import io.fleetkeeper.telemetry.internal.TelemetryStore;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import io.fleetkeeper.testing.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The telemetry store contract, the same on SQLite and PostgreSQL (partitioned there): de-duplication by message
 * id, latest values that only move forward, keyset pages, downsampling, and retention that drops whole days
 * (partitions) and deletes a shorter-lived tenant's older rows. Each test works in a tenant of its own.
 */
public interface TelemetryStoreContract {

    long DAY = 86_400_000L;

    record Fixture(ContractTenant tenant, UUID deviceId, TelemetryStore store, TelemetryQueries queries,
            ApplicationContext ctx) {

        static Fixture of(ApplicationContext ctx) {
            ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "tc-");
            Device d = ctx.getBean(DeviceService.class).create(t.admin(), device("probe", null, Map.of()));
            return new Fixture(t, d.id(), ctx.getBean(TelemetryStore.class), ctx.getBean(TelemetryQueries.class),
                    ctx);
        }

        TelemetryMessage message(String msgId, long ts, Object... nameValue) {
            List<Metric> metrics = new ArrayList<>();
            for (int i = 0; i < nameValue.length; i += 2) {
                Object v = nameValue[i + 1];
                metrics.add(v instanceof String s ? new Metric((String) nameValue[i], "s", null, s)
                        : v instanceof Boolean b ? new Metric((String) nameValue[i], "b", b ? 1.0 : 0.0, null)
                        : new Metric((String) nameValue[i], "n", ((Number) v).doubleValue(), null));
            }
            return new TelemetryMessage(tenant.id(), deviceId, msgId, ts, "", metrics, ts);
        }

        List<Double> values(String metric, long from, long to) {
            return queries.raw(tenant.id(), deviceId, new Range(metric, null, Instant.ofEpochMilli(from),
                    Instant.ofEpochMilli(to)), null, 1000).items().stream()
                    .map(p -> ((Number) p.value()).doubleValue()).toList();
        }

        Retention retention(MutableClock clock) {
            return new Retention(ctx.getBean(JdbcClient.class), ctx.getBean(Dialect.class),
                    ctx.getBean(Partitions.class), ctx.getBean(SettingsRepository.class),
                    ctx.getBean(TelemetryProperties.class), clock);
        }
    }

    @Test
    default void aMessageIdIsStoredOnceAndTheLatestValueOnlyMovesForward(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        long now = System.currentTimeMillis();
        assertThat(f.store().write(List.of(f.message("a", now - 1000, "t", 1), f.message("a", now - 1000, "t", 9))))
                .isEqualTo(1);
        assertThat(f.store().write(List.of(f.message("a", now - 1000, "t", 7)))).isZero();
        f.store().write(List.of(f.message("b", now - 5000, "t", 2, "s", "older")));
        assertThat(f.values("t", now - DAY, now + DAY)).containsExactly(2.0, 1.0);
        List<LatestValue> latest = f.queries().latest(f.tenant().id(), f.deviceId());
        assertThat(latest).extracting(LatestValue::metric, LatestValue::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("s", "older"),
                        org.assertj.core.groups.Tuple.tuple("t", 1.0));
    }

    @Test
    default void rawPointsKeepEveryTextAndNumberAsSent(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        long now = System.currentTimeMillis();
        List<String> texts = List.of("", "a,b", "say \"hi\"", "two\nlines\r\n", "back\\slash\\N", "\\.", "tab\tx",
                "ünïcødé ✓", "NULL");
        List<Double> numbers = List.of(0.0, 1e-300, -1.7976931348623157E308, 123456789.123456789, 4.9E-324);
        List<TelemetryMessage> batch = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            batch.add(f.message("t" + i, now - 10_000 + i, "txt", texts.get(i)));
        }
        for (int i = 0; i < numbers.size(); i++) {
            batch.add(f.message("n" + i, now - 5_000 + i, "num", numbers.get(i)));
        }
        assertThat(f.store().write(batch)).isEqualTo(texts.size() + numbers.size());
        assertThat(f.queries().raw(f.tenant().id(), f.deviceId(), new Range("txt", null, Instant.ofEpochMilli(now
                - DAY), Instant.ofEpochMilli(now + DAY)), null, 100).items()).extracting(p -> p.value())
                .containsExactlyElementsOf(texts);
        assertThat(f.values("num", now - DAY, now + DAY)).containsExactlyElementsOf(numbers);
    }

    @Test
    default void aBatchLargerThanOneClaimStatementStoresEachNewMessageOnce(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        long now = System.currentTimeMillis();
        List<TelemetryMessage> first = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            first.add(f.message("k" + i, now - 60_000 + i, "t", i));
        }
        assertThat(f.store().write(first)).isEqualTo(300);
        // 1,200 messages: the 300 above again (seen), 900 new ones, and one new id twice.
        List<TelemetryMessage> second = new ArrayList<>(first);
        for (int i = 300; i < 1200; i++) {
            second.add(f.message("k" + i, now - 60_000 + i, "t", i));
        }
        second.add(f.message("k700", now - 60_000 + 700, "t", -1));
        assertThat(f.store().write(second)).isEqualTo(900);
        List<Double> stored = new ArrayList<>();
        for (int from = 0; from < 1200; from += 600) {
            stored.addAll(f.values("t", now - 60_000 + from, now - 60_000 + from + 600));
        }
        assertThat(stored).hasSize(1200).doesNotContain(-1.0);
    }

    @Test
    default void concurrentWritersKeepTheNewestLatestValue(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        long base = System.currentTimeMillis() - 60_000;
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int k = w;
                done.add(pool.submit(() -> {
                    int n = 0;
                    for (int i = 0; i < 25; i++) {
                        long ts = base + i * 8 + k;
                        n += f.store().write(List.of(f.message("w" + k + "-" + i, ts, "seq", ts - base)));
                    }
                    return n;
                }));
            }
            for (Future<Integer> d : done) {
                assertThat(d.get()).isEqualTo(25);
            }
        }
        assertThat(f.queries().latest(f.tenant().id(), f.deviceId()).getFirst().value()).isEqualTo(199.0);
    }

    @Test
    default void rawPagesAndDownsampledBucketsAreTheSameOnBothStores(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        long hour = (System.currentTimeMillis() / 3_600_000L - 3) * 3_600_000L;
        List<TelemetryMessage> batch = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            batch.add(f.message("m" + i, hour + i * 60_000L, "v", i, "on", i % 2 == 0));
        }
        f.store().write(batch);
        Range range = new Range(null, null, Instant.ofEpochMilli(hour), Instant.ofEpochMilli(hour + 2 * 3_600_000L));
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var page = f.queries().raw(f.tenant().id(), f.deviceId(), range, cursor, 7);
            page.items().forEach(p -> seen.add(p.msgId() + "/" + p.metric()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(seen).hasSize(240).doesNotHaveDuplicates();
        List<TelemetryBucket> hours = f.queries().downsample(f.tenant().id(), f.deviceId(),
                new Range("v", null, range.from(), range.to()), "1h", List.of("avg", "min", "max", "sum", "count",
                        "first", "last"));
        assertThat(hours).hasSize(2);
        assertThat(hours.get(0).count()).isEqualTo(60);
        assertThat(hours.get(0).avg()).isEqualTo(29.5);
        assertThat(hours.get(0).sum()).isEqualTo(1770.0);
        assertThat(hours.get(1).min()).isEqualTo(60.0);
        assertThat(hours.get(1).max()).isEqualTo(119.0);
        assertThat(hours.get(1).first()).isEqualTo(60.0);
        assertThat(hours.get(1).last()).isEqualTo(119.0);
        List<TelemetryBucket> flags = f.queries().downsample(f.tenant().id(), f.deviceId(),
                new Range("on", null, range.from(), range.to()), "1h", List.of("avg", "last"));
        assertThat(flags.get(0).avg()).isEqualTo(0.5);
        assertThat(flags.get(0).last()).isEqualTo(false);
        assertThat(f.queries().downsample(f.tenant().id(), f.deviceId(), range, "5m", List.of("count")))
                .hasSize(48);
    }

    /**
     * Three days of two streams, written in batches that revisit hours already rolled up: a late message (an
     * earlier first), a message sent again (counted once), two messages at one time (first and last by msg_id), a
     * metric that is sometimes a string. Values are multiples of 1/4, so sums are exact in any order of addition.
     */
    private static void writeRollupFixture(Fixture f, long day) {
        List<TelemetryMessage> a = new ArrayList<>();
        List<TelemetryMessage> b = new ArrayList<>();
        for (int i = 0; i < 3 * 24 * 6; i++) { // every 10 minutes, 1 s past the minute
            long ts = day + i * 600_000L + 1000;
            Object mixed = i % 7 == 0 ? "text-" + i : (Object) (i * 0.25);
            (i % 2 == 0 ? a : b).add(f.message("r" + i, ts, "v", (i % 50) * 0.25 - 3, "on", i % 3 == 0, "mixed",
                    mixed));
            if (i % 5 == 0) {
                (i % 2 == 0 ? b : a).add(new TelemetryMessage(f.tenant().id(), f.deviceId(), "d" + i, ts + 7, "diag",
                        List.of(new Metric("v", "n", i * 0.5, null)), ts + 7));
            }
        }
        assertThat(f.store().write(a)).isEqualTo(a.size());
        assertThat(f.store().write(b)).isEqualTo(b.size());
        long hour = day + 5 * 3_600_000L;
        assertThat(f.store().write(List.of(f.message("late", hour + 2, "v", 100), f.message("r31", hour, "v", 1000),
                f.message("tie-b", hour + 3_599_999, "v", 7), f.message("tie-a", hour + 3_599_999, "v", 8),
                f.message("tie-0", hour + 1, "v", -100)))).isEqualTo(4);
        assertThat(f.store().write(List.of(f.message("tie-c", hour + 3_599_999, "v", 9),
                f.message("early", hour, "v", 0.5), f.message("late", hour + 2, "v", 100)))).isEqualTo(2);
    }

    @Test
    default void hourlyRollupAnswersExactlyAsTheRawRows(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        long day = (System.currentTimeMillis() / DAY - 3) * DAY;
        writeRollupFixture(f, day);
        Downsampling downsampling = ctx.getBean(Downsampling.class);
        long[][] ranges = {{day, day + 3 * DAY}, {day + 1_234_567, day + 2 * DAY + 3_456_789},
                {day + 5 * 3_600_000L, day + 6 * 3_600_000L}, {day + 100, day + 3_600_000L + 100}};
        int compared = 0;
        for (long[] range : ranges) {
            for (long width : List.of(3_600_000L, DAY)) {
                for (String metric : java.util.Arrays.asList(null, "v", "mixed", "on")) {
                    for (String stream : java.util.Arrays.asList(null, "diag")) {
                        var request = new Downsampling.Request(f.tenant().id(), f.deviceId(), metric, stream,
                                range[0], range[1], width, true, true);
                        List<Downsampling.Bucket> raw = downsampling.buckets(request, Long.MAX_VALUE);
                        assertThat(downsampling.buckets(request, 0)).as("%s %s %s %s", range[0], width, metric,
                                stream).isEqualTo(raw);
                        compared += raw.size();
                    }
                }
            }
        }
        assertThat(compared).isGreaterThan(500);
        var fifth = downsampling.buckets(new Downsampling.Request(f.tenant().id(), f.deviceId(), "v", "", day
                + 5 * 3_600_000L, day + 6 * 3_600_000L, 3_600_000L, true, true), 0).getFirst();
        assertThat(fifth.count()).isEqualTo(6 + 6);
        assertThat(fifth.first().msgId()).isEqualTo("early");
        assertThat(fifth.last().msgId()).isEqualTo("tie-c");
        assertThat(fifth.min()).isEqualTo(-100.0);
        assertThat(fifth.max()).isEqualTo(100.0);

        // The API reads the rollup for whole hours: raw rows gone from them change 5 m buckets, not 1 h ones.
        Range all = new Range("mixed", null, Instant.ofEpochMilli(day), Instant.ofEpochMilli(day + 3 * DAY));
        List<String> aggs = List.of("avg", "min", "max", "sum", "count", "first", "last");
        List<TelemetryBucket> hours = f.queries().downsample(f.tenant().id(), f.deviceId(), all, "1h", aggs);
        assertThat(hours).hasSize(72);
        ctx.getBean(JdbcClient.class).sql("DELETE FROM telemetry WHERE tenant_id = ? AND ts >= ? AND ts < ?")
                .params(f.tenant().id().toString(), day + DAY, day + 2 * DAY).update();
        assertThat(f.queries().downsample(f.tenant().id(), f.deviceId(), all, "1h", aggs)).isEqualTo(hours);
        assertThat(f.queries().downsample(f.tenant().id(), f.deviceId(), all, "5m", List.of("count"))).hasSize(
                2 * 24 * 6);
    }

    @Test
    default void theMigrationsBackFillBuildsTheRollupTheWriterMaintains(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        writeRollupFixture(f, (System.currentTimeMillis() / DAY - 3) * DAY);
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        String tenant = f.tenant().id().toString();
        String select = "SELECT * FROM telemetry_rollup WHERE tenant_id = ? ORDER BY metric, stream, ts";
        List<Map<String, Object>> written = jdbc.sql(select).param(tenant).query().listOfRows();
        assertThat(written).hasSizeGreaterThan(3 * 24 * 3);
        String migration = new String(getClass().getResourceAsStream("/db/migration/"
                + ctx.getBean(Dialect.class).name().toLowerCase() + "/V145__telemetry_rollup.sql").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        String backFill = migration.substring(migration.indexOf("INSERT INTO telemetry_rollup"),
                migration.lastIndexOf(';')).replace("FROM telemetry) ranked", "FROM telemetry WHERE tenant_id = '"
                        + tenant + "') ranked");
        assertThat(backFill).contains(tenant);
        jdbc.sql("DELETE FROM telemetry_rollup WHERE tenant_id = ?").param(tenant).update();
        jdbc.sql(backFill).update();
        assertThat(jdbc.sql(select).param(tenant).query().listOfRows()).isEqualTo(written);
    }

    @Test
    default void retentionDropsOldDaysAndAShorterTenantSettingDeletesMore(ApplicationContext ctx) {
        Fixture a = Fixture.of(ctx);
        Fixture b = Fixture.of(ctx);
        MutableClock clock = new MutableClock(Instant.now());
        long now = clock.millis();
        for (Fixture f : List.of(a, b)) {
            f.store().write(List.of(f.message("old", now - 40 * DAY, "n", 40), f.message("mid", now - 10 * DAY, "n", 10),
                    f.message("new", now - DAY / 2, "n", 0.5)));
        }
        ctx.getBean(SettingsRepository.class).save(b.tenant().id(), 7, 0, now);
        Partitions partitions = ctx.getBean(Partitions.class);
        if (partitions.partitioned()) {
            assertThat(partitions.days()).contains(Math.floorDiv(now - 40 * DAY, DAY));
        }
        Retention.Result result = a.retention(clock).run();
        assertThat(result.rowsDeleted() + result.partitionsDropped()).isPositive();
        assertThat(a.values("n", 0, now + DAY)).containsExactly(10.0, 0.5);
        assertThat(b.values("n", 0, now + DAY)).containsExactly(0.5);
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        java.util.function.Function<Fixture, Long> hours = f -> jdbc.sql("SELECT COUNT(*) FROM telemetry_rollup"
                + " WHERE tenant_id = ?").param(f.tenant().id().toString()).query(Long.class).single();
        assertThat(hours.apply(a)).isEqualTo(2);
        assertThat(hours.apply(b)).isEqualTo(1);
        if (partitions.partitioned()) {
            assertThat(partitions.days()).doesNotContain(Math.floorDiv(now - 40 * DAY, DAY))
                    .contains(Math.floorDiv(now, DAY) + 3);
        }
        clock.advance(java.time.Duration.ofDays(40));
        a.retention(clock).run();
        assertThat(a.values("n", 0, clock.millis() + DAY)).isEmpty();
        assertThat(hours.apply(a)).isZero();
        assertThat(a.queries().latest(a.tenant().id(), a.deviceId())).isEmpty();
    }

    @Test
    default void fleetQueriesTestTheLatestValueOfAMetric(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        DeviceService devices = ctx.getBean(DeviceService.class);
        FleetQueries fleet = ctx.getBean(FleetQueries.class);
        UUID low = f.deviceId();
        UUID high = devices.create(f.tenant().admin(), device("high", null, Map.of())).id();
        UUID sensor = devices.create(f.tenant().admin(), new NewDevice("s", "sensor", null, List.of(), Map.of(), null,
                null, null)).id();
        UUID silent = devices.create(f.tenant().admin(), device("silent", null, Map.of())).id();
        long now = System.currentTimeMillis();
        f.store().write(List.of(f.message("l1", now - 5000, "battery", 10, "mode", "eco", "door", true),
                f.message("l2", now - 1000, "battery", 15),
                new TelemetryMessage(f.tenant().id(), high, "h1", now, "", List.of(new Metric("battery", "n", 50.0,
                        null), new Metric("mode", "s", null, "max")), now),
                new TelemetryMessage(f.tenant().id(), sensor, "s1", now, "", List.of(new Metric("battery", "n", 5.0,
                        null)), now),
                new TelemetryMessage(f.tenant().id(), silent, "x1", now, "other", List.of(new Metric("battery", "n",
                        1.0, null)), now)));
        java.util.function.Function<String, List<UUID>> ids = q -> devices.list(f.tenant().id(),
                DeviceFilter.matching(fleet.compile(f.tenant().id(), q), null), null, 50).items().stream()
                .map(Device::id).toList();
        assertThat(ids.apply("type = \"meter\" AND telemetry.battery < 20")).containsExactly(low);
        assertThat(ids.apply("telemetry.battery <= 15")).containsExactlyInAnyOrder(low, sensor);
        assertThat(ids.apply("NOT telemetry.battery < 20")).containsExactlyInAnyOrder(high, silent);
        assertThat(ids.apply("telemetry.battery IN (15, 50)")).containsExactlyInAnyOrder(low, high);
        assertThat(ids.apply("telemetry.mode = \"eco\"")).containsExactly(low);
        assertThat(ids.apply("telemetry.mode > \"f\"")).containsExactly(high);
        assertThat(ids.apply("telemetry.door = true")).containsExactly(low);
        assertThat(ids.apply("telemetry.battery EXISTS")).containsExactlyInAnyOrder(low, high, sensor);
        assertThat(ids.apply("telemetry.battery = \"15\"")).isEmpty();

        // Unfiltered pages read the latest values by a range of device ids: two pages hold each device once.
        var first = f.queries().fleetLatest(f.tenant().id(), null, List.of("battery"), null, 2);
        var second = f.queries().fleetLatest(f.tenant().id(), " ", List.of("battery"), first.nextCursor(), 2);
        assertThat(first.items()).hasSize(2);
        assertThat(java.util.stream.Stream.concat(first.items().stream(), second.items().stream()))
                .extracting(d -> d.deviceId() + "=" + d.values().stream().map(LatestValue::value).toList())
                .containsExactlyInAnyOrder(low + "=[15.0]", high + "=[50.0]", sensor + "=[5.0]", silent + "=[1.0]");
    }

    @Test
    default void aStreamWithAShorterRetentionLosesItsOlderRowsAlone(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        MutableClock clock = new MutableClock(Instant.now());
        long now = clock.millis();
        f.store().write(List.of(f.message("d-old", now - 5 * DAY, "n", 5), f.message("d-new", now - 1000, "n", 0),
                new TelemetryMessage(f.tenant().id(), f.deviceId(), "s-old", now - 5 * DAY, "diag",
                        List.of(new Metric("n", "n", 50.0, null)), now),
                new TelemetryMessage(f.tenant().id(), f.deviceId(), "s-new", now - 1000, "diag",
                        List.of(new Metric("n", "n", 1.0, null)), now)));
        ctx.getBean(SettingsRepository.class).save(new SettingsRepository.Row(f.tenant().id(), 30,
                Map.of("diag", 2), null, Map.of(), 0, now));
        f.retention(clock).run();
        assertThat(f.values("n", 0, now + DAY)).containsExactly(5.0, 0.0, 1.0);
    }

    @Test
    default void healthFollowsTheLastHeardTimeAndIsQueriedAndCountedAlike(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        DeviceService devices = ctx.getBean(DeviceService.class);
        UUID online = f.deviceId();
        UUID stale = devices.create(f.tenant().admin(), device("stale", null, Map.of())).id();
        UUID offline = devices.create(f.tenant().admin(), device("offline", null, Map.of())).id();
        UUID never = devices.create(f.tenant().admin(), device("never", null, Map.of())).id();
        MutableClock clock = new MutableClock(Instant.now());
        long now = clock.millis();
        ctx.getBean(SettingsRepository.class).save(new SettingsRepository.Row(f.tenant().id(), 30, Map.of(), 60,
                Map.of(), 0, now));
        devices.touchLastSeen(f.tenant().id(), Map.of(online, now - 1000, stale, now - 100_000, offline,
                now - 600_000));
        HealthEvaluator evaluator = new HealthEvaluator(ctx.getBean(DeviceHealthService.class),
                ctx.getBean(TelemetrySettingsService.class), ctx.getBean(Leases.class),
                ctx.getBean(TelemetryProperties.class), ctx.getBean(JsonMapper.class), clock);
        evaluator.runNow();
        FleetQueries fleet = ctx.getBean(FleetQueries.class);
        java.util.function.Function<String, List<UUID>> ids = q -> devices.list(f.tenant().id(),
                DeviceFilter.matching(fleet.compile(f.tenant().id(), q), null), null, 50).items().stream()
                .map(Device::id).toList();
        assertThat(ids.apply("health = \"ONLINE\"")).containsExactly(online);
        assertThat(ids.apply("health = \"STALE\"")).containsExactly(stale);
        assertThat(ids.apply("health IN (\"OFFLINE\")")).containsExactlyInAnyOrder(offline, never);
        assertThat(devices.countsBy(f.tenant().id(), "health")).isEqualTo(Map.of("ONLINE", 1L, "STALE", 1L,
                "OFFLINE", 2L));
        assertThat(devices.get(f.tenant().id(), stale).health()).isEqualTo("STALE");

        clock.advance(java.time.Duration.ofMinutes(10));
        evaluator.runNow();
        assertThat(ids.apply("health = \"OFFLINE\"")).containsExactlyInAnyOrder(online, stale, offline, never);
        assertThat(devices.events(f.tenant().id(), stale, java.util.Set.of("HEALTH-CHANGED"), null, 10).items())
                .extracting(e -> e.type()).containsExactly("HEALTH-CHANGED", "HEALTH-CHANGED");
    }
}
