package io.fleetkeeper.event;

import static io.fleetkeeper.device.DeviceStoreContract.device;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.event.internal.DeliveryRepository;
import io.fleetkeeper.event.internal.OutboxRelay;
import io.fleetkeeper.event.internal.OutboxRepository;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.ContractTenant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event store contract, the same on SQLite and PostgreSQL: outbox rows commit and roll back with their
 * change; concurrent writers' events all get distinct sequence numbers, none lost; routes and their delivery
 * queue round-trip. The tests drive the relay themselves (a runner may have the background relay off).
 */
public interface EventStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(ContractTenant tenant, DeviceService devices, OutboxRepository outbox, OutboxRelay relay,
            RouteService routes, DeliveryRepository deliveries, TransactionTemplate tx) {

        static Fixture of(ApplicationContext ctx) {
            return new Fixture(ContractTenant.create(ctx.getBean(TenantService.class), "ev-"),
                    ctx.getBean(DeviceService.class), ctx.getBean(OutboxRepository.class),
                    ctx.getBean(OutboxRelay.class), ctx.getBean(RouteService.class),
                    ctx.getBean(DeliveryRepository.class),
                    new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class)));
        }

        UUID id() {
            return tenant.id();
        }

        /** The tenant's relayed events once {@code n} of them are there, stepping the relay meanwhile. */
        List<OutboxEvent> relayed(int n) {
            return Await.until(Duration.ofSeconds(20), n + " events relayed", () -> {
                relay.step();
                return outbox.after(id(), 0, 10_000);
            }, list -> list.size() >= n);
        }
    }

    @Test
    default void outboxRowsCommitAndRollBackWithTheirChange(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        try {
            f.tx().executeWithoutResult(s -> {
                f.devices().create(f.tenant().admin(), device("rolled-back", "SN-EV-RB", Map.of()));
                throw new IllegalStateException("roll back");
            });
        } catch (IllegalStateException expected) {
            // the device and its event are gone
        }
        Device kept = f.devices().create(f.tenant().admin(), device("kept", "SN-EV-K", Map.of()));
        List<OutboxEvent> events = f.relayed(1);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.deviceId()).isEqualTo(kept.id());
            assertThat(e.type()).isEqualTo("io.fleetkeeper.device.created");
            assertThat(e.tenantId()).isEqualTo(f.id());
        });
        f.devices().purge(f.tenant().admin(), kept.id(), null);
        assertThat(f.relayed(2).getLast().type()).as("the purge is an event too").isEqualTo(
                "io.fleetkeeper.device.purged");
    }

    @Test
    default void concurrentWritersEventsAllGetDistinctSequenceNumbers(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    f.devices().create(f.tenant().admin(), device("w" + writer + "-" + i, "SN-EV-" + writer + "-" + i,
                            Map.of()));
                }
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
        List<OutboxEvent> events = f.relayed(80);
        assertThat(events).hasSize(80);
        assertThat(new HashSet<>(events.stream().map(OutboxEvent::seq).toList())).hasSize(80);
        assertThat(new HashSet<>(events.stream().map(OutboxEvent::deviceId).toList())).hasSize(80);
        assertThat(events.stream().map(OutboxEvent::seq).toList()).isSorted();
    }

    @Test
    default void telemetryRoutesRoundTripAndOnlyEnabledOnesAreReadForTheTelemetryListener(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        RouteFields.Destination hook = new RouteFields.Destination("webhook", "http://203.0.113.10/hook", null,
                Map.of(), 1000);
        Route r = f.routes().create(f.tenant().admin(), new RouteFields("tr", List.of("telemetry:fk/+/telemetry/env"),
                "type = \"pump\"", "payload.t > 1 AND payload.mode = \"on\"", hook, true));
        assertThat(f.routes().get(f.id(), r.id())).isEqualTo(r.withoutSecret());
        assertThat(r.payloadCondition()).isEqualTo("payload.t > 1 AND payload.mode = \"on\"");
        Route events = f.routes().create(f.tenant().admin(), new RouteFields("ev", List.of("*"), null, hook, true));
        Route off = f.routes().create(f.tenant().admin(), new RouteFields("off", List.of("telemetry:fk/+/telemetry"),
                null, hook, false));
        List<UUID> read = ctx.getBean(io.fleetkeeper.event.internal.RouteRepository.class).enabledTelemetry().stream()
                .map(s -> s.route().id()).toList();
        assertThat(read).contains(r.id()).doesNotContain(events.id(), off.id());
    }

    @Test
    default void routesAndTheirDeliveriesRoundTrip(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        JsonMapper json = ctx.getBean(JsonMapper.class);
        Route r = f.routes().create(f.tenant().admin(), new RouteFields("r1", List.of("io.fleetkeeper.device.created"),
                "type = \"pump\"", new RouteFields.Destination("webhook", "http://203.0.113.10/hook", null,
                        Map.of("X-A", "b"), 1000), false));
        assertThat(f.routes().get(f.id(), r.id())).isEqualTo(r.withoutSecret());
        assertThat(f.routes().list(f.id(), null, 10).items()).containsExactly(r.withoutSecret());
        Route on = f.routes().update(f.tenant().admin(), r.id(), json.readTree("{\"enabled\":true}"), r.version());
        assertThat(on.enabled()).isTrue();
        assertThat(f.routes().get(f.id(), r.id()).enabled()).isTrue();

        f.devices().create(f.tenant().admin(), new io.fleetkeeper.device.NewDevice("m", "meter", null, null, null,
                null, null, null, null, null));
        Device pump = f.devices().create(f.tenant().admin(), new io.fleetkeeper.device.NewDevice("p", "pump", null,
                null, null, null, null, null, null, null));
        f.relayed(2);
        List<RouteDelivery> queued = Await.until(Duration.ofSeconds(20), "one delivery queued", () -> {
            f.relay().step();
            return f.routes().deliveries(f.id(), r.id(), null, null, 10).items();
        }, list -> !list.isEmpty());
        assertThat(queued).singleElement().satisfies(d -> {
            assertThat(d.deviceId()).isEqualTo(pump.id());
            assertThat(d.eventType()).isEqualTo("io.fleetkeeper.device.created");
        });
        f.routes().delete(f.tenant().admin(), r.id(), on.version());
        assertThat(f.routes().list(f.id(), null, 10).items()).isEmpty();
    }
}
