package io.fleetkeeper.shadow;

import static io.fleetkeeper.device.DeviceStoreContract.device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.shadow.ShadowService.Outcome;
import io.fleetkeeper.shadow.ShadowService.Report;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.ContractTenant;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import javax.sql.DataSource;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shadow store contract: optimistic versions under concurrent writers, versions that survive a delete, the
 * history window and purging, the same on SQLite and PostgreSQL. The store contract tests implement it; each test
 * works in a tenant of its own.
 */
public interface ShadowStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, DeviceService devices, ShadowService shadows, JdbcClient jdbc,
            JsonMapper json) {

        static Fixture of(ApplicationContext ctx) {
            ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "sc-");
            return new Fixture(t.id(), t.admin(), ctx.getBean(DeviceService.class), ctx.getBean(ShadowService.class),
                    ctx.getBean(JdbcClient.class), ctx.getBean(JsonMapper.class));
        }

        Device create(String name, String serial, Map<String, String> meta) {
            return devices.create(admin, device(name, serial, meta));
        }

        ShadowUpdate reported(String json, Long version) {
            return ShadowUpdate.parse(this.json.readTree("{\"state\":{\"reported\":" + json + "}"
                    + (version == null ? "" : ",\"version\":" + version) + "}"), "reported", null);
        }

        ShadowUpdate desired(String json, Long ifMatch) {
            return ShadowUpdate.parse(this.json.readTree("{\"state\":{\"desired\":" + json + "}}"), "desired",
                    ifMatch);
        }
    }

    @Test
    default void shadowUpdatesExpectingTheSameVersionHaveOneWinner(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("s", null, Map.of());
        f.shadows().update(f.admin(), d.id(), null, f.desired("{\"n\":-1}", null));
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
                        ShadowUpdate expectingOne = f.desired("{\"n\":" + k + "}", 1L);
                        won.add(f.shadows().update(f.admin(), d.id(), null, expectingOne));
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
        Shadow stored = f.shadows().get(f.tenant(), d.id(), null);
        assertThat(stored.version()).isEqualTo(2);
        assertThat(stored.state().desired()).isEqualTo(won.peek().state().desired());
    }

    @Test
    default void concurrentShadowUpdatesWithoutExpectationAllApply(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("s", null, Map.of());
        int n = 24;
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<Object>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                done.add(pool.submit(() -> {
                    start.await();
                    return f.shadows().update(f.admin(), d.id(), "cfg",
                            f.desired("{\"k" + k + "\":" + k + "}", null));
                }));
            }
            start.countDown();
            for (var future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        Shadow stored = f.shadows().get(f.tenant(), d.id(), "cfg");
        assertThat(stored.version()).isEqualTo(n);
        assertThat(stored.state().desired().size()).isEqualTo(n);
    }

    @Test
    default void shadowVersionsSurviveDeleteAndHistoryKeepsTheLastTen(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("s", null, Map.of());
        for (int i = 1; i <= 12; i++) {
            f.shadows().update(f.admin(), d.id(), null, f.desired("{\"i\":" + i + "}", null));
        }
        f.shadows().delete(f.admin(), d.id(), null, 12L);
        assertThatThrownBy(() -> f.shadows().get(f.tenant(), d.id(), null)).isInstanceOf(ApiException.class);
        assertThat(f.shadows().update(f.admin(), d.id(), null, f.desired("{\"i\":0}", null)).version())
                .isEqualTo(14);
        var history = f.shadows().history(f.tenant(), d.id(), null);
        assertThat(history).extracting(v -> v.version()).containsExactly(14L, 13L, 12L, 11L, 10L, 9L, 8L, 7L, 6L, 5L);
        assertThat(history.get(1).deleted()).isTrue();
        assertThat(f.shadows().history(f.tenant(), d.id(), null, 12).document().state().desired().path("i").asInt())
                .isEqualTo(12);
        assertThat(f.shadows().list(f.tenant(), d.id())).hasSize(1);
    }

    @Test
    default void purgingADeviceDeletesItsShadows(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("s", null, Map.of());
        f.shadows().update(f.admin(), d.id(), null, f.desired("{\"a\":1}", null));
        f.shadows().update(f.admin(), d.id(), "cfg", f.desired("{\"a\":1}", null));
        f.devices().purge(f.admin(), d.id(), null);
        assertThat(f.jdbc().sql("SELECT COUNT(*) FROM shadows WHERE tenant_id = ? AND device_id = ?")
                .params(f.tenant().toString(), d.id().toString()).query(Long.class).single()).isZero();
        assertThat(f.jdbc().sql("SELECT COUNT(*) FROM shadow_history WHERE tenant_id = ? AND device_id = ?")
                .params(f.tenant().toString(), d.id().toString()).query(Long.class).single()).isZero();
    }

    @Test
    default void reportedUpdatesWrittenTogetherEndAsIfWrittenOneByOne(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device a = f.create("a", null, Map.of());
        Device b = f.create("b", null, Map.of());
        Caller deviceA = new Caller(f.tenant(), "device:" + a.id(), Role.OPERATOR);
        Caller deviceB = new Caller(f.tenant(), "device:" + b.id(), Role.OPERATOR);
        UUID gone = UUID.randomUUID();
        String deep = "{\"l1\":{\"l2\":{\"l3\":{\"l4\":{\"l5\":{\"l6\":{\"l7\":{\"l8\":{\"l9\":1}}}}}}}}}";
        f.shadows().update(deviceB, b.id(), null, f.reported("{\"n\":0}", null));
        long failedWhole = f.shadows().batchesFailedWhole();
        List<Outcome> out = f.shadows().reportAll(List.of(
                new Report(deviceA, a.id(), null, f.reported("{\"x\":1}", null)),
                new Report(deviceA, a.id(), null, f.reported("{\"y\":2}", null)),
                new Report(new Caller(f.tenant(), "device:" + gone, Role.OPERATOR), gone, null,
                        f.reported("{\"x\":1}", null)),
                new Report(deviceB, b.id(), null, f.reported("{\"n\":1}", 7L)),
                new Report(deviceB, b.id(), "cfg", f.reported("{\"n\":1}", null)),
                new Report(deviceA, a.id(), null, f.reported(deep, null)),
                new Report(deviceA, a.id(), null, f.reported("{\"x\":3}", 2L)),
                new Report(deviceB, b.id(), null, f.reported("{\"n\":2}", 1L))));
        assertThat(f.shadows().batchesFailedWhole()).as("written as one batch").isEqualTo(failedWhole);

        assertThat(out).extracting(o -> o.shadow() == null ? null : o.shadow().version())
                .containsExactly(1L, 2L, null, null, 1L, null, 3L, 2L);
        assertThat(out).extracting(o -> o.error() instanceof ApiException e ? e.code() : null).containsExactly(
                null, null, ErrorCode.NOT_FOUND, ErrorCode.VERSION_CONFLICT, null, ErrorCode.VALIDATION_FAILED,
                null, null);
        assertThat(out.get(6).shadow().state().reported().toString()).isEqualTo("{\"x\":3,\"y\":2}");

        // stored as single writes store them: rows, history with the device as actor, one event per version
        Shadow stored = f.shadows().get(f.tenant(), a.id(), null);
        assertThat(stored.version()).isEqualTo(3);
        assertThat(stored.state().reported().toString()).isEqualTo("{\"x\":3,\"y\":2}");
        assertThat(f.shadows().history(f.tenant(), a.id(), null)).extracting(v -> v.version() + " " + v.actor())
                .containsExactly("3 device:" + a.id(), "2 device:" + a.id(), "1 device:" + a.id());
        assertThat(f.shadows().history(f.tenant(), a.id(), null, 1).document().state().reported().toString())
                .isEqualTo("{\"x\":1}");
        assertThat(f.shadows().get(f.tenant(), b.id(), null).state().reported().path("n").asInt()).isEqualTo(2);
        assertThat(f.shadows().get(f.tenant(), b.id(), "cfg").version()).isEqualTo(1);
        assertThat(f.devices().events(f.tenant(), a.id(), null, 50).items().stream()
                .filter(e -> e.type().equals("SHADOW-UPDATED")).map(e -> f.json().readTree(e.details()).path("version")
                        .asLong())).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(f.devices().events(f.tenant(), b.id(), null, 50).items().stream()
                .filter(e -> e.type().equals("SHADOW-UPDATED")).map(e -> f.json().readTree(e.details())
                        .path("shadow").asString() + "@" + f.json().readTree(e.details()).path("version").asLong()))
                .containsExactlyInAnyOrder("classic@1", "classic@2", "cfg@1");
    }

    @Test
    default void reportedUpdatesWrittenTogetherTrimTheHistoryLikeSingleWrites(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device a = f.create("a", null, Map.of());
        Caller device = new Caller(f.tenant(), "device:" + a.id(), Role.OPERATOR);
        List<Report> reports = new ArrayList<>();
        for (int i = 1; i <= 25; i++) {
            reports.add(new Report(device, a.id(), null, f.reported("{\"i\":" + i + "}", null)));
        }
        long failedWhole = f.shadows().batchesFailedWhole();
        assertThat(f.shadows().reportAll(reports)).allMatch(o -> o.error() == null);
        assertThat(f.shadows().batchesFailedWhole()).as("written as one batch").isEqualTo(failedWhole);
        assertThat(f.shadows().history(f.tenant(), a.id(), null)).extracting(v -> v.version())
                .containsExactly(25L, 24L, 23L, 22L, 21L, 20L, 19L, 18L, 17L, 16L);
        long stored = f.jdbc().sql("SELECT COUNT(*) FROM shadow_history WHERE tenant_id = ? AND device_id = ?")
                .params(f.tenant().toString(), a.id().toString()).query(Long.class).single();
        assertThat(stored).isBetween(10L, 17L);
    }

    /**
     * Another writer changes one shadow and creates another while a batch is between its read and its write (it
     * holds their row locks until the batch's statements wait for them): the batch's reports to those shadows are
     * written again one by one, onto what that writer left; the batch's other reports are written as usual.
     */
    @Test
    default void reportsToAShadowAnotherWriterChangedDuringTheBatchAreWrittenOntoItsVersion(ApplicationContext ctx)
            throws Exception {
        assumeTrue(ctx.getBean(Dialect.class) == Dialect.POSTGRESQL, "row locks: PostgreSQL only (SQLite writes "
                + "one transaction at a time)");
        Fixture f = Fixture.of(ctx);
        Device a = f.create("a", null, Map.of());
        Device b = f.create("b", null, Map.of());
        Caller deviceA = new Caller(f.tenant(), "device:" + a.id(), Role.OPERATOR);
        Caller deviceB = new Caller(f.tenant(), "device:" + b.id(), Role.OPERATOR);
        f.shadows().update(deviceA, a.id(), null, f.reported("{\"n\":0}", null));
        String doc = f.jdbc().sql("SELECT document FROM shadows WHERE tenant_id = ? AND device_id = ? AND name = ''")
                .params(f.tenant().toString(), a.id().toString()).query(String.class).single();
        long failedWhole = f.shadows().batchesFailedWhole();
        List<Outcome> out;
        try (Connection other = ctx.getBean(DataSource.class).getConnection();
                ExecutorService pool = Executors.newSingleThreadExecutor()) {
            other.setAutoCommit(false);
            try (PreparedStatement update = other.prepareStatement("UPDATE shadows SET version = 2 "
                    + "WHERE tenant_id = ?::uuid AND device_id = ?::uuid AND name = ''");
                    PreparedStatement insert = other.prepareStatement("INSERT INTO shadows (tenant_id, device_id, "
                            + "name, version, document, updated_at) VALUES (?::uuid, ?::uuid, 'cfg', 1, ?, 0)")) {
                update.setString(1, f.tenant().toString());
                update.setString(2, a.id().toString());
                update.executeUpdate();
                insert.setString(1, f.tenant().toString());
                insert.setString(2, b.id().toString());
                insert.setString(3, doc);
                insert.executeUpdate();
            }
            Future<List<Outcome>> batch = pool.submit(() -> f.shadows().reportAll(List.of(
                    new Report(deviceA, a.id(), null, f.reported("{\"mine\":1}", null)),
                    new Report(deviceB, b.id(), "cfg", f.reported("{\"mine\":2}", null)),
                    new Report(deviceB, b.id(), "own", f.reported("{\"mine\":3}", null)),
                    new Report(deviceB, b.id(), null, f.reported("{\"mine\":4}", null)))));
            Await.until(Duration.ofSeconds(30), "the batch waits for the other writer's rows", () -> f.jdbc()
                    .sql("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                            + "AND wait_event_type = 'Lock' AND query LIKE '%shadows%'").query(Long.class).single() > 0);
            other.commit();
            out = batch.get(30, TimeUnit.SECONDS);
        }
        assertThat(f.shadows().batchesFailedWhole()).as("written as one batch").isEqualTo(failedWhole);
        assertThat(out).allMatch(o -> o.error() == null);
        assertThat(out).extracting(o -> o.shadow().version()).containsExactly(3L, 2L, 1L, 1L);
        Shadow aNow = f.shadows().get(f.tenant(), a.id(), null);
        assertThat(aNow.version()).isEqualTo(3);
        assertThat(aNow.state().reported().toString()).isEqualTo("{\"n\":0,\"mine\":1}");
        Shadow cfg = f.shadows().get(f.tenant(), b.id(), "cfg");
        assertThat(cfg.version()).isEqualTo(2);
        assertThat(cfg.state().reported().toString()).isEqualTo("{\"n\":0,\"mine\":2}");
        assertThat(f.shadows().get(f.tenant(), b.id(), "own").version()).isEqualTo(1);
        assertThat(f.shadows().history(f.tenant(), b.id(), "cfg")).extracting(v -> v.version()).containsExactly(2L);
    }
}
