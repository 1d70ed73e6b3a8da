package io.fleetkeeper.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.device.NewDeviceEvent;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.store.ReadSnapshot;
import io.fleetkeeper.telemetry.internal.TelemetryMessage;
import io.fleetkeeper.telemetry.internal.TelemetryStore;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.ContractTenant;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Exports run end to end on each store: queued through the service, claimed and run by the export worker inside
 * one read snapshot (REPEATABLE READ on PostgreSQL, a WAL snapshot on SQLite), stored in the blob store, then read
 * back, decompressed, parsed and compared with the owning features' own listings. Each test works in a tenant of
 * its own.
 */
public interface ExportStoreContract {

    JsonMapper JSON = JsonMapper.builder().build();

    record Fixture(ContractTenant tenant, ExportService exports, DeviceService devices, BlobService blobs,
            ApplicationContext ctx) {

        static Fixture of(ApplicationContext ctx) {
            return new Fixture(ContractTenant.create(ctx.getBean(TenantService.class), "ex-"),
                    ctx.getBean(ExportService.class), ctx.getBean(DeviceService.class), ctx.getBean(BlobService.class),
                    ctx);
        }

        Device device(String name, String type, Map<String, String> metadata, String... tags) {
            return devices.create(tenant.admin(), new NewDevice(name, type, null, List.of(tags), metadata, "1.0",
                    "rev-a", null));
        }

        /** Queues an export, waits for the worker to finish it and returns it. */
        Export run(NewExport request) {
            Export queued = exports.create(tenant.admin(), request);
            return Await.until(Duration.ofSeconds(60), "export " + queued.id() + " finished",
                    () -> exports.get(tenant.id(), queued.id()), e -> e.status().finished());
        }

        /** The artifact's bytes, decompressed when it is gzip. */
        String artifact(Export e) throws IOException {
            assertThat(e.status()).as(e.error()).isEqualTo(ExportStatus.SUCCEEDED);
            try (InputStream raw = blobs.open(tenant.id(), e.sha256(), 0, e.size());
                    InputStream in = "gzip".equals(e.compression()) ? new GZIPInputStream(raw) : raw) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        List<Device> listed(String query) {
            var condition = ctx.getBean(FleetQueries.class).compile(tenant.id(), query);
            return devices.list(tenant.id(), DeviceFilter.matching(condition, "id"), null, 1000).items();
        }
    }

    private static List<CSVRecord> csv(String text) throws IOException {
        try (Reader r = new InputStreamReader(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
        }
    }

    @Test
    default void aDevicesExportAsGzipCsvHoldsTheQueriedDevicesAsTheServiceListsThem(ApplicationContext ctx)
            throws IOException {
        Fixture f = Fixture.of(ctx);
        for (int i = 0; i < 30; i++) {
            f.device("dev-" + i + (i == 3 ? ", \"quoted\"" : ""), i % 3 == 0 ? "meter" : "sensor",
                    Map.of("region", "eu-" + (i % 2), "floor", Integer.toString(i)), "fleet", "t" + (i % 4));
        }
        Fixture other = Fixture.of(ctx);
        other.device("not-mine", "meter", Map.of("region", "eu-0"));
        String query = "type = \"meter\" AND metadata.region = \"eu-0\"";
        List<Device> expected = f.listed(query);
        assertThat(expected).hasSize(5);

        Export e = f.run(new NewExport("devices", query, null, null, List.of("id", "name", "tags", "metadata",
                "version"), "csv", "gzip"));
        assertThat(e.rowCount()).isEqualTo(5);
        List<CSVRecord> rows = csv(f.artifact(e));
        assertThat(rows.getFirst().getParser().getHeaderNames()).containsExactly("id", "name", "tags", "metadata",
                "version");
        assertThat(rows).extracting(r -> r.get("id")).containsExactlyElementsOf(
                expected.stream().map(d -> d.id().toString()).toList());
        assertThat(rows).extracting(r -> r.get("name")).containsExactlyElementsOf(
                expected.stream().map(Device::name).toList());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i).get("tags")).isEqualTo(String.join(";", expected.get(i).tags()));
            assertThat(JSON.readTree(rows.get(i).get("metadata")))
                    .isEqualTo(JSON.valueToTree(expected.get(i).metadata()));
        }
    }

    @Test
    default void timeRangedExportsHoldOnlyTheRangeOfTheQueriedDevices(ApplicationContext ctx) throws IOException {
        Fixture f = Fixture.of(ctx);
        Device a = f.device("a", "sensor", Map.of());
        Device b = f.device("b", "sensor", Map.of());
        Device meter = f.device("m", "meter", Map.of());
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(5));
        List<NewDeviceEvent> events = new ArrayList<>();
        for (Device d : List.of(a, b, meter)) {
            for (int h = 0; h < 4; h++) {
                events.add(new NewDeviceEvent(d.id(), "HEALTH-CHANGED", "system", "{\"hour\":" + h + "}",
                        t0.plus(Duration.ofHours(h))));
            }
        }
        f.devices().recordEvents(f.tenant().id(), events);
        TelemetryStore telemetry = ctx.getBean(TelemetryStore.class);
        List<TelemetryMessage> points = new ArrayList<>();
        for (Device d : List.of(a, meter)) {
            for (int h = 0; h < 4; h++) {
                long ts = t0.plus(Duration.ofHours(h)).toEpochMilli();
                points.add(new TelemetryMessage(f.tenant().id(), d.id(), d.name() + h, ts, "",
                        List.of(new TelemetryMessage.Metric("temp", "n", 20.0 + h, null)), ts));
            }
        }
        telemetry.write(points);
        Instant from = t0.plus(Duration.ofHours(1));
        Instant to = t0.plus(Duration.ofHours(3)); // exclusive: hours 1 and 2

        Export ev = f.run(new NewExport("device_events", "type = \"sensor\"", from, to, null, "ndjson", "none"));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : f.artifact(ev).split("\n")) {
            lines.add(JSON.readTree(line));
        }
        List<String> first = List.of(a.id().toString(), b.id().toString()).stream().sorted().toList();
        assertThat(lines).extracting(n -> n.path("device_id").asString() + " " + n.path("details").path("hour")
                .asInt()).containsExactly(first.get(0) + " 2", first.get(0) + " 1", first.get(1) + " 2",
                first.get(1) + " 1");
        assertThat(ev.rowCount()).isEqualTo(4);

        Export tel = f.run(new NewExport("telemetry", null, from, to, List.of("device_id", "ts", "value"), "csv",
                "gzip"));
        List<CSVRecord> rows = csv(f.artifact(tel));
        List<String> withTelemetry = List.of(a.id().toString(), meter.id().toString()).stream().sorted().toList();
        assertThat(rows).extracting(r -> r.get("device_id") + " " + Instant.parse(r.get("ts")))
                .containsExactlyInAnyOrder(withTelemetry.get(0) + " " + from, withTelemetry.get(0) + " "
                        + from.plus(Duration.ofHours(1)), withTelemetry.get(1) + " " + from, withTelemetry.get(1)
                        + " " + from.plus(Duration.ofHours(1)));
        assertThat(rows.getFirst().get("device_id")).isEqualTo(withTelemetry.get(0));
    }

    @Test
    default void aReadSnapshotDoesNotSeeRowsCommittedAfterItBegan(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.device("before", "meter", Map.of());
        ReadSnapshot snapshot = ctx.getBean(ReadSnapshot.class);
        List<Integer> seen = new ArrayList<>();
        snapshot.run(() -> {
            seen.add(f.listed("type = \"meter\"").size());
            // committed by another thread (its own transaction) while the snapshot is open
            CompletableFuture.runAsync(() -> f.device("during", "meter", Map.of())).join();
            seen.add(f.listed("type = \"meter\"").size());
        });
        assertThat(seen).containsExactly(1, 1);
        assertThat(f.listed("type = \"meter\"")).hasSize(2);
    }
}
