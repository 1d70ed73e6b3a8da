package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.ota.DeploymentService.Report;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import io.fleetkeeper.testing.Generated;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * Campaigns' store contract, the same on SQLite and PostgreSQL: numeric action ids in creation order, a paused
 * campaign offers nothing, and racing final reports leave one outcome, with the device's firmware version in
 * step with it.
 */
public interface CampaignStoreContract {

    record Fixture(ContractTenant tenant, CampaignService campaigns, DeploymentService deployments,
            FirmwareService firmware, DeviceService devices) {
        static Fixture of(ApplicationContext ctx) {
            return new Fixture(ContractTenant.create(ctx.getBean(TenantService.class), "ota-"),
                    ctx.getBean(CampaignService.class), ctx.getBean(DeploymentService.class),
                    ctx.getBean(FirmwareService.class), ctx.getBean(DeviceService.class));
        }

        UUID device(String name) {
            return devices.create(tenant.admin(), new NewDevice(name, "sensor", null, List.of(), Map.of(), "1.0",
                    null, null)).id();
        }

        Firmware firmware(String version) {
            Firmware f = firmware.create(tenant.admin(), new NewFirmware("os", version, List.of(), null, null));
            firmware.addArtifact(tenant.admin(), f.id(), "os.swu", new Generated(7, 1000), null, 1000);
            return f;
        }
    }

    @Test
    default void actionsAreNumberedInOrderAndAPausedCampaignOffersNothing(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID a = f.device("a");
        UUID b = f.device("b");
        Campaign c = f.campaigns().create(f.tenant().admin(), new NewCampaign(f.firmware("2.0").id(),
                new NewCampaign.Target(List.of(a, b, a))));
        assertThat(c.counts()).containsEntry("QUEUED", 2L);
        List<OtaAction> actions = f.campaigns().devices(f.tenant().id(), c.id(), null, 10).items();
        assertThat(actions).extracting(OtaAction::deviceId).containsExactly(a, b);
        assertThat(actions.get(1).id()).isGreaterThan(actions.get(0).id());
        assertThat(f.deployments().next(f.tenant().id(), a)).map(OtaAction::id).contains(actions.get(0).id());

        f.campaigns().pause(f.tenant().admin(), c.id(), c.version());
        assertThat(f.deployments().next(f.tenant().id(), a)).isEmpty();
        f.campaigns().resume(f.tenant().admin(), c.id(), null);
        assertThat(f.deployments().next(f.tenant().id(), b)).isPresent();
        Campaign canceled = f.campaigns().cancel(f.tenant().admin(), c.id(), null);
        assertThat(canceled.counts()).containsExactlyEntriesOf(Map.of("CANCELED", 2L));
        assertThat(f.deployments().next(f.tenant().id(), b)).isEmpty();
    }

    @Test
    default void racingFinalReportsLeaveOneOutcome(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 6; round++) {
                UUID d = f.device("d" + round);
                Campaign c = f.campaigns().create(f.tenant().admin(), new NewCampaign(f.firmware("3." + round).id(),
                        new NewCampaign.Target(List.of(d))));
                long action = f.campaigns().devices(f.tenant().id(), c.id(), null, 1).items().getFirst().id();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Report report = i % 2 == 0 ? Report.SUCCEEDED : Report.FAILED;
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            f.deployments().report(f.tenant().id(), d, action, report, null);
                            return true;
                        } catch (ApiException e) {
                            assertThat(e.code()).isIn(ErrorCode.CONFLICT, ErrorCode.INVALID_TRANSITION);
                            return false;
                        }
                    }));
                }
                start.countDown();
                for (Future<Boolean> r : results) {
                    r.get(60, TimeUnit.SECONDS);
                }
                String status = f.deployments().action(f.tenant().id(), d, action).status();
                assertThat(status).isIn("SUCCEEDED", "FAILED");
                assertThat(f.devices().get(f.tenant().id(), d).firmwareVersion())
                        .isEqualTo(status.equals("SUCCEEDED") ? "3." + round : "1.0");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
