package io.fleetkeeper.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.CaService;
import io.fleetkeeper.pki.CaService.NewCa;
import io.fleetkeeper.pki.CertificateAuthority;
import io.fleetkeeper.provisioning.ClaimService.ClaimRequest;
import io.fleetkeeper.provisioning.ClaimService.Claimed;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import io.fleetkeeper.testing.Csrs;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * The provisioning store contract: a claim token's {@code max_uses} holds exactly under parallel claims, and a
 * one-time enrollment code enrolls once, on SQLite and on PostgreSQL (where writers are not serialised for us).
 * The store contract tests implement it; each test works in a tenant of its own.
 */
public interface ProvisioningStoreContract {

    /** A fresh tenant with an issuing CA, and the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, ClaimService claims, ProvenanceService provenance,
            DeviceService devices) {

        static Fixture of(ApplicationContext ctx) {
            ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "pv-");
            CaService cas = ctx.getBean(CaService.class);
            CertificateAuthority root = cas.create(t.admin(), new NewCa("root", null, null, null, null));
            cas.create(t.admin(), new NewCa("issuing", root.id(), null, null, null));
            return new Fixture(t.id(), t.admin(), ctx.getBean(ClaimService.class),
                    ctx.getBean(ProvenanceService.class), ctx.getBean(DeviceService.class));
        }

        ClaimToken.Issued token(int maxUses) {
            return claims.create(admin, "batch", "meter", maxUses, Instant.now().plus(1, ChronoUnit.DAYS),
                    Map.of());
        }
    }

    @Test
    default void fiftyParallelClaimsOnTenUsesCreateExactlyTenDevices(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        ClaimToken.Issued token = f.token(10);
        List<PKCS10CertificationRequest> csrs = IntStream.range(0, 50)
                .mapToObj(i -> Csrs.csr(Csrs.p256(), "device", false)).toList();
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Claimed> claimed = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<ErrorCode> refused = new ConcurrentLinkedQueue<>();
        List<Throwable> failed = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(50)) {
            var results = IntStream.range(0, 50).mapToObj(i -> pool.submit(() -> {
                start.await();
                try {
                    claimed.add(f.claims().claim(token.secret(), csrs.get(i), new ClaimRequest(null, null, null),
                            "198.51.100." + i));
                } catch (ApiException e) {
                    refused.add(e.code()); // 401 for the exhausted token; 429 once its failures pass the limit
                }
                return null;
            })).toList();
            start.countDown();
            for (var r : results) {
                try {
                    r.get(120, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failed.add(e.getCause());
                }
            }
        }
        assertThat(failed).as("claims that neither succeeded nor were refused").isEmpty();
        assertThat(claimed).hasSize(10);
        assertThat(refused).hasSize(40).isSubsetOf(ErrorCode.UNAUTHENTICATED, ErrorCode.RATE_LIMITED);
        assertThat(f.claims().get(f.tenant(), token.token().id()).usesCount()).isEqualTo(10);
        assertThat(f.devices().stats(f.tenant()).total()).isEqualTo(10);
        assertThat(all((cursor, limit) -> f.provenance().devicesFrom(f.tenant(), "claim_token", token.token().id(),
                cursor, limit)))
                .containsExactlyInAnyOrderElementsOf(claimed.stream().map(c -> c.device().id()).toList());
        assertThat(claimed).extracting(c -> c.device().identityStatus()).containsOnly("ACTIVE");
        assertThat(claimed).extracting(c -> c.certificate().certificate().serial()).doesNotHaveDuplicates();
    }

    @Test
    default void twentyParallelEnrollmentsWithOneCodeIssueExactlyOneCertificate(ApplicationContext ctx)
            throws Exception {
        Fixture f = Fixture.of(ctx);
        EnrollmentService enrollment = ctx.getBean(EnrollmentService.class);
        UUID deviceId = f.devices().create(f.admin(), new NewDevice("pre-registered", "meter", null, List.of(),
                Map.of(), null, null, null)).id();
        enrollment.issue(f.admin(), deviceId, null); // replaced by the next one
        EnrollmentCode.Issued code = enrollment.issue(f.admin(), deviceId, null);
        List<PKCS10CertificationRequest> csrs = IntStream.range(0, 20)
                .mapToObj(i -> Csrs.csr(Csrs.p256(), "device", false)).toList();
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<EnrollmentService.Enrolled> enrolled = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<ErrorCode> refused = new ConcurrentLinkedQueue<>();
        List<Throwable> failed = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
            var results = IntStream.range(0, 20).mapToObj(i -> pool.submit(() -> {
                start.await();
                try {
                    enrolled.add(enrollment.enroll(code.secret(), csrs.get(i), "203.0.113." + i, CaChoice.DEFAULT));
                } catch (ApiException e) {
                    refused.add(e.code());
                }
                return null;
            })).toList();
            start.countDown();
            for (var r : results) {
                try {
                    r.get(120, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failed.add(e.getCause());
                }
            }
        }
        assertThat(failed).as("enrollments that neither succeeded nor were refused").isEmpty();
        assertThat(enrolled).hasSize(1);
        assertThat(refused).hasSize(19).isSubsetOf(ErrorCode.UNAUTHENTICATED, ErrorCode.RATE_LIMITED);
        assertThat(enrolled.peek().device().id()).isEqualTo(deviceId);
        assertThat(enrolled.peek().device().identityStatus()).isEqualTo("ACTIVE");
        assertThat(ctx.getBean(CertificateService.class).forDevice(f.tenant(), deviceId)).hasSize(1);
        assertThat(f.provenance().of(f.tenant(), deviceId).method()).isEqualTo("enrollment_code");
    }

    @Test
    default void listingsPageInCreationOrder(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        List<UUID> tokens = IntStream.range(0, 3).mapToObj(i -> f.token(1).token().id()).toList();
        assertThat(all((cursor, limit) -> f.claims().list(f.tenant(), cursor, limit)).stream().map(ClaimToken::id))
                .containsExactlyElementsOf(tokens);
        ProvisioningKeyService keys = ctx.getBean(ProvisioningKeyService.class);
        List<UUID> created = IntStream.range(0, 3)
                .mapToObj(i -> keys.create(f.admin(), "k" + i, null, null, null).key().id()).toList();
        assertThat(all((cursor, limit) -> keys.list(f.tenant(), cursor, limit)).stream().map(ProvisioningKey::id))
                .containsExactlyElementsOf(created);
        CaService cas = ctx.getBean(CaService.class);
        assertThat(all((cursor, limit) -> cas.page(f.tenant(), cursor, limit)).stream()
                .map(CertificateAuthority::name)).containsExactly("root", "issuing");
    }

    /** Every item of a listing, read one per page by following {@code next_cursor}. */
    private static <T> List<T> all(BiFunction<String, Integer, Page<T>> listing) {
        List<T> items = new ArrayList<>();
        String cursor = null;
        do {
            Page<T> page = listing.apply(cursor, 1);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(1);
            items.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor != null);
        return items;
    }
}
