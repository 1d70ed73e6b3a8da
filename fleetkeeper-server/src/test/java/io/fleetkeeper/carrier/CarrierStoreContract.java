package io.fleetkeeper.carrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.carrier.internal.IntegrationRepository;
import io.fleetkeeper.carrier.internal.SimRepository;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.dao.DataAccessException;

/**
 * The carrier store contract, the same on SQLite and PostgreSQL: integrations round-trip and filter, the sync's
 * bookkeeping, one SIM per device and ICCIDs unique per tenant enforced by the store, usage and state, and the
 * {@code sim.*} fleet query fields.
 */
public interface CarrierStoreContract {

    @Test
    default void integrationsAndSimsRoundTripAndTheStoreKeepsIccidsUniquePerTenant(ApplicationContext ctx) {
        ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "ca-");
        ContractTenant other = ContractTenant.create(ctx.getBean(TenantService.class), "cb-");
        IntegrationRepository integrations = ctx.getBean(IntegrationRepository.class);
        SimRepository sims = ctx.getBean(SimRepository.class);
        DeviceService devices = ctx.getBean(DeviceService.class);
        FleetQueries fleet = ctx.getBean(FleetQueries.class);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

        CarrierIntegration c = new CarrierIntegration(UUID.randomUUID(), t.id(), "main", "hologram",
                "https://dashboard.hologram.io/api/1", "42", CarrierIntegration.UNTESTED, null, 0, null, now, now, 1);
        integrations.insert(c, "v1:sealed");
        CarrierIntegration theirs = new CarrierIntegration(UUID.randomUUID(), other.id(), "main", "hologram",
                "https://dashboard.hologram.io/api/1", null, CarrierIntegration.UNTESTED, null, 0, null,
                now.plusSeconds(3600), now, 1);
        integrations.insert(theirs, "v1:other");
        assertThat(integrations.find(t.id(), c.id()).orElseThrow().integration()).isEqualTo(c);
        assertThat(integrations.find(t.id(), c.id()).orElseThrow().sealedKey()).isEqualTo("v1:sealed");
        assertThat(integrations.find(other.id(), c.id())).isEmpty();
        assertThat(integrations.list(t.id(), null, null, 10)).containsExactly(c);
        assertThat(integrations.list(null, "hologram", null, 1000)).contains(c, theirs);
        assertThat(integrations.list(null, "acme", null, 10)).isEmpty();
        assertThat(integrations.nameTaken(t.id(), "main", null)).isTrue();
        assertThat(integrations.nameTaken(t.id(), "main", c.id())).isFalse();
        assertThat(integrations.due(now.toEpochMilli(), 1000).stream().map(s -> s.integration().id()))
                .contains(c.id()).doesNotContain(theirs.id());
        integrations.recordOutcome(c, CarrierIntegration.FAILING, "HTTP 503", 2, null, now.plusSeconds(60));
        CarrierIntegration stale = new CarrierIntegration(c.id(), c.tenantId(), c.name(), c.carrier(), c.baseUrl(),
                c.orgId(), c.status(), null, 0, null, now, now, 0);
        integrations.recordOutcome(stale, CarrierIntegration.OK, null, 0, now, now.plusSeconds(60));
        CarrierIntegration failing = integrations.find(t.id(), c.id()).orElseThrow().integration();
        assertThat(failing.status()).isEqualTo(CarrierIntegration.FAILING);
        assertThat(failing.failures()).isEqualTo(2);
        assertThat(failing.version()).isEqualTo(1);
        assertThat(integrations.update(failing, "v1:new", 7)).isFalse();

        UUID d1 = devices.create(t.admin(), new NewDevice("sim-a", "tracker", null, List.of(), Map.of(), null, null,
                null)).id();
        UUID d2 = devices.create(t.admin(), new NewDevice("sim-b", "tracker", null, List.of(), Map.of(), null, null,
                null)).id();
        DeviceSim s1 = new DeviceSim(d1, c.id(), "hologram", "8901000000000000001", "2096", "1001", DeviceSim.ACTIVE,
                "LIVE", DeviceSim.UNKNOWN, null, 0, now, null, 1);
        sims.insert(t.id(), s1, "5001");
        assertThat(sims.iccidTaken(t.id(), s1.iccid())).isTrue();
        assertThat(sims.iccidTaken(other.id(), s1.iccid())).isFalse();
        DeviceSim sameIccid = new DeviceSim(d2, c.id(), "hologram", s1.iccid(), null, "1002", DeviceSim.PENDING,
                null, DeviceSim.UNKNOWN, null, 0, now, null, 1);
        assertThatThrownBy(() -> sims.insert(t.id(), sameIccid, "5002"))
                .as("an ICCID is linked to one device of a tenant").isInstanceOf(DataAccessException.class);
        DeviceSim secondSim = new DeviceSim(d1, c.id(), "hologram", "8901000000000000019", null, "1003",
                DeviceSim.PENDING, null, DeviceSim.UNKNOWN, null, 0, now, null, 1);
        assertThatThrownBy(() -> sims.insert(t.id(), secondSim, "5003"))
                .as("a device has one SIM").isInstanceOf(DataAccessException.class);
        DeviceSim s2 = new DeviceSim(d2, c.id(), "hologram", "8901000000000000027", null, "1002", DeviceSim.PENDING,
                null, DeviceSim.UNKNOWN, null, 0, now, null, 1);
        sims.insert(t.id(), s2, "5002");
        assertThat(sims.countOfIntegration(t.id(), c.id())).isEqualTo(2);

        sims.resetUsage(t.id(), c.id(), now.toEpochMilli());
        assertThat(sims.recordUsage(t.id(), c.id(), "5001", 3L << 20, now.toEpochMilli())).isEqualTo(1);
        assertThat(sims.recordUsage(t.id(), c.id(), "9999", 1, now.toEpochMilli())).isZero();
        sims.recordInfo(t.id(), d2, DeviceSim.PAUSED, "PAUSED-SYS", "OFFLINE", "AT&T", "73", now.toEpochMilli());
        assertThat(sims.stalestInfo(t.id(), c.id(), 1).getFirst().sim().deviceId()).isEqualTo(d1);
        DeviceSim read = sims.find(t.id(), d2).orElseThrow().sim();
        assertThat(read.simStatus()).isEqualTo(DeviceSim.PAUSED);
        assertThat(read.plan()).isEqualTo("73");
        assertThat(read.version()).isEqualTo(2);
        assertThat(sims.find(t.id(), d1).orElseThrow().sim().dataUsedMb()).isEqualTo(3.0);
        assertThat(sims.find(t.id(), d1).orElseThrow().carrierLinkId()).isEqualTo("5001");

        assertThat(fleet.count(t.id(), fleet.compile(t.id(), "sim.status = \"PAUSED\""))).isEqualTo(1);
        assertThat(fleet.count(t.id(), fleet.compile(t.id(), "sim.data_used_mb >= 3"))).isEqualTo(1);
        assertThat(fleet.count(t.id(), fleet.compile(t.id(), "sim.carrier = \"hologram\" AND sim.plan EXISTS")))
                .isEqualTo(2);
        assertThat(fleet.count(t.id(), fleet.compile(t.id(), "NOT sim.network_status IN (\"OFFLINE\")")))
                .isEqualTo(1);
        assertThat(fleet.count(other.id(), fleet.compile(other.id(), "sim.iccid EXISTS"))).isZero();

        assertThat(sims.delete(t.id(), d1)).isTrue();
        assertThat(sims.find(t.id(), d1)).isEmpty();
    }
}
