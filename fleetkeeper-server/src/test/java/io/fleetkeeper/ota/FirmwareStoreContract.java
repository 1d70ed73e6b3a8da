package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import io.fleetkeeper.testing.Generated;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * The firmware catalog's store contract, the same on SQLite and PostgreSQL: one (name, version) per tenant
 * however many create it at once, one artifact per name however many upload it at once, blob references and
 * the tenant's counted bytes in step with the artifacts, keyset listing.
 */
public interface FirmwareStoreContract {

    record Fixture(ContractTenant tenant, FirmwareService firmware, BlobService blobs) {
        static Fixture of(ApplicationContext ctx) {
            return new Fixture(ContractTenant.create(ctx.getBean(TenantService.class), "fw-"),
                    ctx.getBean(FirmwareService.class), ctx.getBean(BlobService.class));
        }
    }

    private static NewFirmware firmware(String name, String version) {
        return new NewFirmware(name, version, List.of("sensor"), null, null);
    }

    /** Runs {@code task} on {@code n} threads released together; returns how many succeeded. */
    private static <T> int race(int n, Callable<T> task, ErrorCode loserCode) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            results.add(pool.submit(() -> {
                start.await();
                try {
                    task.call();
                    return true;
                } catch (ApiException e) {
                    assertThat(e.code()).isEqualTo(loserCode);
                    return false;
                }
            }));
        }
        start.countDown();
        int wins = 0;
        for (Future<Boolean> r : results) {
            wins += r.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        return wins;
    }

    @Test
    default void racingCreatesOfOneVersionHaveOneWinnerPerTenant(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        assertThat(race(4, () -> f.firmware().create(f.tenant().admin(), firmware("os", "1.0.0")),
                ErrorCode.ALREADY_EXISTS)).isEqualTo(1);
        Fixture other = Fixture.of(ctx);
        other.firmware().create(other.tenant().admin(), firmware("os", "1.0.0"));
        assertThat(f.firmware().list(f.tenant().id(), "os", null, 10).items()).hasSize(1);
    }

    @Test
    default void racingUploadsOfOneNameKeepOneArtifactAndOneCountedBlob(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        Firmware fw = f.firmware().create(f.tenant().admin(), firmware("os", "2.0.0"));
        assertThat(race(4, () -> f.firmware().addArtifact(f.tenant().admin(), fw.id(), "os.swu",
                new Generated(21, 200_000), null, 200_000), ErrorCode.ALREADY_EXISTS)).isEqualTo(1);
        Firmware got = f.firmware().get(f.tenant().id(), fw.id());
        assertThat(got.artifacts()).singleElement().satisfies(a -> {
            assertThat(a.sha256()).isEqualTo(Generated.sha256(21, 200_000));
            assertThat(a.size()).isEqualTo(200_000);
        });
        assertThat(f.blobs().usage(f.tenant().id()).bytes()).isEqualTo(200_000);
        assertThat(f.blobs().usage(f.tenant().id()).blobs()).isEqualTo(1);

        // The same bytes under another firmware: one blob, two references.
        Firmware next = f.firmware().create(f.tenant().admin(), firmware("os", "2.0.1"));
        f.firmware().addArtifact(f.tenant().admin(), next.id(), "os.swu", new Generated(21, 200_000), null, -1);
        assertThat(f.blobs().usage(f.tenant().id()).blobs()).isEqualTo(1);
        f.firmware().delete(f.tenant().admin(), fw.id(), null);
        assertThat(f.blobs().stat(f.tenant().id(), got.artifacts().getFirst().sha256())).isPresent();
        f.firmware().delete(f.tenant().admin(), next.id(), next.revision() + 1);
        assertThat(f.blobs().usage(f.tenant().id()).bytes()).isZero();
        assertThat(f.blobs().stat(f.tenant().id(), got.artifacts().getFirst().sha256())).isEmpty();
    }

    @Test
    default void deletingTheLastReferenceWhileTheSameBytesUploadNeverLeavesAnArtifactWithoutBytes(
            ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 12; round++) {
                Firmware old = f.firmware().create(f.tenant().admin(), firmware("race", "old-" + round));
                f.firmware().addArtifact(f.tenant().admin(), old.id(), "a.bin", new Generated(40 + round, 50_000),
                        null, 50_000);
                Firmware fresh = f.firmware().create(f.tenant().admin(), firmware("race", "new-" + round));
                CountDownLatch start = new CountDownLatch(1);
                Future<?> delete = pool.submit(() -> {
                    start.await();
                    f.firmware().delete(f.tenant().admin(), old.id(), null);
                    return null;
                });
                int seed = 40 + round;
                Future<Boolean> upload = pool.submit(() -> {
                    start.await();
                    try {
                        f.firmware().addArtifact(f.tenant().admin(), fresh.id(), "a.bin", new Generated(seed, 50_000),
                                null, 50_000);
                        return true;
                    } catch (ApiException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                        return false;
                    }
                });
                start.countDown();
                delete.get(60, TimeUnit.SECONDS);
                boolean uploaded = upload.get(60, TimeUnit.SECONDS);
                List<FirmwareArtifact> artifacts = f.firmware().get(f.tenant().id(), fresh.id()).artifacts();
                assertThat(artifacts).hasSize(uploaded ? 1 : 0);
                for (FirmwareArtifact a : artifacts) {
                    try (var in = f.firmware().open(f.tenant().id(), a, 0, a.size())) {
                        assertThat(in.readAllBytes()).as("round %d", seed).isEqualTo(Generated.slice(seed, 0, 50_000));
                    }
                }
                assertThat(f.blobs().usage(f.tenant().id()).bytes()).isEqualTo(uploaded ? 50_000 : 0);
                f.firmware().delete(f.tenant().admin(), fresh.id(), null);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    default void staleRevisionIsRefusedAndNothingChanges(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Firmware fw = f.firmware().create(f.tenant().admin(), firmware("os", "3.0.0"));
        assertThatThrownBy(() -> f.firmware().delete(f.tenant().admin(), fw.id(), fw.revision() + 5))
                .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).code())
                .isEqualTo(ErrorCode.PRECONDITION_FAILED);
        assertThat(f.firmware().get(f.tenant().id(), fw.id()).revision()).isEqualTo(fw.revision());
    }

    @Test
    default void listingPagesInCreationOrder(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        List<String> versions = List.of("1", "2", "3", "4", "5");
        versions.forEach(v -> f.firmware().create(f.tenant().admin(), firmware("app", v)));
        f.firmware().create(f.tenant().admin(), firmware("other", "1"));
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            Page<Firmware> page = f.firmware().list(f.tenant().id(), "app", cursor, 2);
            page.items().forEach(fw -> seen.add(fw.version()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(seen).isEqualTo(versions);
        assertThat(f.firmware().list(f.tenant().id(), null, null, 100).items()).hasSize(6);
    }
}
