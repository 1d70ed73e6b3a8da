package io.fleetkeeper.command;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * The command store contract: idempotent creation and racing status transitions with one winner, the same on
 * SQLite and PostgreSQL. The store contract tests implement it; each test works in a tenant of its own.
 */
public interface CommandStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, DeviceService devices, CommandService commands) {

        static Fixture of(ApplicationContext ctx) {
            ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "cm-");
            return new Fixture(t.id(), t.admin(), ctx.getBean(DeviceService.class),
                    ctx.getBean(CommandService.class));
        }

        Device create(String name, String serial, Map<String, String> meta) {
            return devices.create(admin, device(name, serial, meta));
        }
    }

    @Test
    default void racingCommandTransitionsHaveOneWinnerAndFinalStatesStayFinal(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("cmd-1", "SN-CMD-1", Map.of());
        NewCommand reboot = new NewCommand("reboot", null, 600L, "key-1");
        Command c = f.commands().create(f.admin(), d.id(), reboot).command();
        assertThat(f.commands().create(f.admin(), d.id(), reboot).created()).isFalse();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicInteger wins = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            String status = k % 2 == 0 ? "SUCCEEDED" : "FAILED";
            futures.add(pool.submit(() -> {
                start.await();
                try {
                    f.commands().report(f.tenant(), d.id(), c.id(), status, null);
                    wins.incrementAndGet();
                } catch (ApiException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TRANSITION);
                }
                return null;
            }));
        }
        start.countDown();
        for (var future : futures) {
            future.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(wins.get()).isEqualTo(1);
        Command done = f.commands().get(f.tenant(), d.id(), c.id());
        assertThat(done.status()).isIn(CommandStatus.SUCCEEDED, CommandStatus.FAILED);
        assertThatThrownBy(() -> f.commands().cancel(f.admin(), d.id(),
                c.id())).isInstanceOf(ApiException.class);
        assertThat(f.commands().acknowledge(f.tenant(), d.id(), c.id())).isFalse();
        assertThat(f.commands().get(f.tenant(), d.id(), c.id()).status()).isEqualTo(done.status());
        assertThat(f.commands().list(f.tenant(), d.id(), done.status(), null, 10).items()).hasSize(1);
    }
}
