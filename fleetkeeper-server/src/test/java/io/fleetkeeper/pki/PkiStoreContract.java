package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.pki.CaService.NewCa;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import io.fleetkeeper.testing.Csrs;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * The PKI store contract: certificates issued at once by many callers stay unique and each device slot keeps one
 * version sequence with one primary, on SQLite and on PostgreSQL (where writers are not serialised for us). The
 * store contract tests implement it; each test works in a tenant of its own.
 */
public interface PkiStoreContract {

    /** A fresh tenant with a root and an issuing CA, and the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, UUID issuingCa, DeviceService devices,
            CertificateService certificates) {

        static Fixture of(ApplicationContext ctx) {
            ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "pk-");
            CaService cas = ctx.getBean(CaService.class);
            CertificateAuthority root = cas.create(t.admin(), new NewCa("root", null, null, null, null));
            CertificateAuthority issuing = cas.create(t.admin(),
                    new NewCa("issuing", root.id(), null, null, null));
            return new Fixture(t.id(), t.admin(), issuing.id(), ctx.getBean(DeviceService.class),
                    ctx.getBean(CertificateService.class));
        }

        UUID device(String name) {
            return devices.create(admin, new NewDevice(name, "meter", null, List.of(), Map.of(), null, null,
                    null)).id();
        }
    }

    @Test
    default void thePolicyKeepsItsExpiredRenewalGrace(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        PolicyService policies = ctx.getBean(PolicyService.class);
        assertThat(policies.get(f.tenant()).expiredRenewalGraceDays()).isZero();
        policies.update(f.admin(), new PkiPolicy(30, 7, 24, 365, null, 14, false, null, 0), null);
        assertThat(policies.get(f.tenant()).expiredRenewalGraceDays()).isEqualTo(14);
    }

    @Test
    default void aRevokedCodeSigningKeySignsNoMoreAndIsOnItsCasCrl(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        CodeSigningService signing = ctx.getBean(CodeSigningService.class);
        CrlService crls = ctx.getBean(CrlService.class);
        X509Certificate first = signing.chain(f.tenant()).get(0);
        String serial = first.getSerialNumber().toString(16);
        assertThat(signing.current(f.tenant()).serial()).isEqualTo(serial);
        assertThat(signing.issued(f.tenant(), f.issuingCa(), serial).orElseThrow().status()).isEqualTo("ACTIVE");

        CodeSigningKey revoked = signing.revoke(f.admin(), "keyCompromise");
        assertThat(revoked.status()).isEqualTo("REVOKED");
        assertThat(revoked.revocationReason()).isEqualTo("keyCompromise");
        assertThat(signing.issued(f.tenant(), f.issuingCa(), serial).orElseThrow().revokedAt()).isNotNull();
        assertThat(crl(crls, f).isRevoked(first)).isTrue();

        X509Certificate second = signing.chain(f.tenant()).get(0);
        assertThat(second).isNotEqualTo(first);
        CodeSigningKey third = signing.rotate(f.admin(), null);
        assertThat(third.serial()).isNotIn(serial, second.getSerialNumber().toString(16));
        assertThat(signing.current(f.tenant()).id()).isEqualTo(third.id());
        X509CRL crl = crl(crls, f);
        assertThat(crl.isRevoked(second)).isTrue();
        assertThat(crl.getRevokedCertificates()).hasSize(2);
    }

    private static X509CRL crl(CrlService crls, Fixture f) throws Exception {
        return (X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(crls.current(f.tenant(), f.issuingCa())));
    }

    @Test
    default void sixtyFourConcurrentIssuersGetUniqueSerialsFingerprintsAndSlotVersions(ApplicationContext ctx)
            throws Exception {
        Fixture f = Fixture.of(ctx);
        List<UUID> devices = IntStream.range(0, 8).mapToObj(i -> f.device("d" + i)).toList();
        List<PKCS10CertificationRequest> csrs = IntStream.range(0, 64)
                .mapToObj(i -> Csrs.csr(Csrs.p256(), "device", false)).toList();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Issued>> issued = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(64)) {
            for (int i = 0; i < 64; i++) {
                UUID device = devices.get(i % 8);
                PKCS10CertificationRequest csr = csrs.get(i);
                issued.add(pool.submit(() -> {
                    start.await();
                    return f.certificates().issue(f.admin(), device, csr, null, null);
                }));
            }
            start.countDown();
        }
        List<DeviceCertificate> returned = new ArrayList<>();
        for (Future<Issued> i : issued) {
            returned.add(i.get(120, TimeUnit.SECONDS).certificate());
        }
        assertThat(returned).extracting(DeviceCertificate::serial).doesNotHaveDuplicates();
        assertThat(returned).extracting(DeviceCertificate::fingerprint).doesNotHaveDuplicates();
        assertThat(returned).extracting(DeviceCertificate::caId).containsOnly(f.issuingCa());
        for (UUID device : devices) {
            List<DeviceCertificate> stored = f.certificates().forDevice(f.tenant(), device);
            assertThat(stored).as("device %s", device).hasSize(8);
            assertThat(stored).extracting(DeviceCertificate::slotVersion).as("one version sequence")
                    .containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
            assertThat(stored).filteredOn(DeviceCertificate::primary).as("one primary, the newest")
                    .extracting(DeviceCertificate::slotVersion).containsExactly(8);
        }
    }

    @Test
    default void aDevicesCertificatesPageInIssueOrder(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID device = f.device("paged");
        List<UUID> issued = IntStream.range(0, 3).mapToObj(i -> f.certificates().issue(f.admin(), device,
                Csrs.csr(Csrs.p256(), "device", false), null, null).certificate().id()).toList();
        List<UUID> listed = new ArrayList<>();
        String cursor = null;
        do {
            Page<DeviceCertificate> page = f.certificates().forDevice(f.tenant(), device, cursor, 2);
            listed.addAll(page.items().stream().map(DeviceCertificate::id).toList());
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(listed).containsExactlyElementsOf(issued);
    }

    @Test
    default void thePolicyKeepsAutomaticRotation(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        PolicyService policies = ctx.getBean(PolicyService.class);
        assertThat(policies.get(f.tenant()).autoRotate()).isFalse();
        assertThat(policies.get(f.tenant()).rotationKey()).isEqualTo(PkiPolicy.SAME_KEY);
        policies.update(f.admin(), new PkiPolicy(30, 7, 24, 365, null, 0, true, PkiPolicy.SERVER_KEY, 0), null);
        assertThat(policies.get(f.tenant()).autoRotate()).isTrue();
        assertThat(policies.get(f.tenant()).rotationKey()).isEqualTo(PkiPolicy.SERVER_KEY);
    }

    @Test
    default void aSuccessorWaitsForConfirmationThenBecomesPrimaryAndRollsBackInsideTheOverlap(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        RotationService rotations = ctx.getBean(RotationService.class);
        UUID device = f.device("rotating");
        DeviceCertificate first = f.certificates().issue(f.admin(), device, Csrs.csr(Csrs.p256(), "d", false), null,
                null).certificate();
        RotationService.Started started = rotations.start(f.admin(), device, null);
        DeviceCertificate successor = started.successor();
        assertThat(started.issued()).isTrue();
        assertThat(successor.primary()).isFalse();
        assertThat(successor.slotVersion()).isEqualTo(2);
        assertThat(rotations.start(f.admin(), device, null).issued()).as("one pending successor per slot").isFalse();
        assertThat(ctx.getBean(RotationDelivery.class).pending(f.tenant(), device, null)).get()
                .satisfies(p -> assertThat(p.certificate().id()).isEqualTo(successor.id()));
        assertThat(f.certificates().get(f.tenant(), first.id()).successorId()).isEqualTo(successor.id());

        assertThat(ctx.getBean(RotationDelivery.class).deliver(f.tenant(), device, null, "https")).get().satisfies(d -> assertThat(d.privateKey()).isNull());
        DeviceCertificate confirmed = rotations.confirm(f.tenant(), device, successor.id(), RotationService.BY_CONNECTION);
        assertThat(confirmed.primary()).isTrue();
        assertThat(confirmed.rotationState()).isEqualTo(RotationService.CONFIRMED);
        assertThat(confirmed.deliveredAt()).isNotNull();
        assertThat(confirmed.confirmedAt()).isNotNull();
        DeviceCertificate old = f.certificates().get(f.tenant(), first.id());
        assertThat(old.primary()).isFalse();
        assertThat(old.supersededAt()).isNotNull();
        assertThat(ctx.getBean(RotationDelivery.class).pending(f.tenant(), device, null)).isEmpty();

        DeviceCertificate restored = ctx.getBean(SlotService.class).rollback(f.admin(), device, null, 2);
        assertThat(restored.id()).isEqualTo(first.id());
        assertThat(restored.primary()).isTrue();
        assertThat(restored.supersededAt()).isNull();
        DeviceCertificate rolledBack = f.certificates().get(f.tenant(), successor.id());
        assertThat(rolledBack.status()).isEqualTo("SUPERSEDED");
        assertThat(rolledBack.rotationState()).isEqualTo(RotationService.ROLLED_BACK);
        assertThat(ctx.getBean(SlotService.class).slot(f.tenant(), device, "identity").activeVersion()).isEqualTo(1);
    }

    @Test
    default void concurrentRotationsOfOneSlotIssueOneSuccessor(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        RotationService rotations = ctx.getBean(RotationService.class);
        UUID device = f.device("raced");
        f.certificates().issue(f.admin(), device, Csrs.csr(Csrs.p256(), "d", false), null, null);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<RotationService.Started>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return rotations.start(f.admin(), device, null);
                }));
            }
            start.countDown();
        }
        List<UUID> successors = new ArrayList<>();
        int issued = 0;
        for (Future<RotationService.Started> r : results) {
            successors.add(r.get(30, TimeUnit.SECONDS).successor().id());
            issued += r.get().issued() ? 1 : 0;
        }
        assertThat(issued).isEqualTo(1);
        assertThat(successors).containsOnly(successors.get(0));
        assertThat(f.certificates().forDevice(f.tenant(), device)).hasSize(2);
    }

    @Test
    default void theLifecycleRotatesOnlyForTenantsThatAskForIt(ApplicationContext ctx) {
        Fixture on = Fixture.of(ctx);
        Fixture off = Fixture.of(ctx);
        PolicyService policies = ctx.getBean(PolicyService.class);
        policies.update(on.admin(), new PkiPolicy(30, 7, 24, 20, null, 0, true, null, 0), null);
        policies.update(off.admin(), new PkiPolicy(30, 7, 24, 20, null, 0, false, null, 0), null);
        UUID a = on.device("a");
        UUID b = off.device("b");
        on.certificates().issue(on.admin(), a, Csrs.csr(Csrs.p256(), "d", false), null, null);
        off.certificates().issue(off.admin(), b, Csrs.csr(Csrs.p256(), "d", false), null, null);
        PkiLifecycle lifecycle = ctx.getBean(PkiLifecycle.class);
        lifecycle.tick(); // both certificates are in their renewal window from the start (20 days < 30)
        lifecycle.tick();
        RotationService rotations = ctx.getBean(RotationService.class);
        assertThat(ctx.getBean(RotationDelivery.class).pending(on.tenant(), a, null)).isPresent();
        assertThat(on.certificates().forDevice(on.tenant(), a)).hasSize(2);
        assertThat(ctx.getBean(RotationDelivery.class).pending(off.tenant(), b, null)).isEmpty();
    }
}
