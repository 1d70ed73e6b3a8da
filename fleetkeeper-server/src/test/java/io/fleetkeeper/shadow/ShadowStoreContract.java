package io.fleetkeeper.shadow;

import static io.fleetkeeper.device.DeviceStoreContract.device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
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
}
