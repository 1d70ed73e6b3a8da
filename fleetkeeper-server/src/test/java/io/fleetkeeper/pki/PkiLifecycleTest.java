package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.pki.CaService.NewCa;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.MutableClock;
import java.nio.file.Files;
import java.security.cert.X509CRL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Renewal windows, expiry, rotation overlap and CRL refresh, driven by moving an injected clock. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "fleetkeeper.pki.scheduler-delay-ms=3600000")
class PkiLifecycleTest {

    static final MutableClock CLOCK = new MutableClock(Instant.parse("2031-03-01T00:00:00Z"));

    @TestConfiguration
    static class Clocks {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-lifecycle").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired TenantService tenants;
    @Autowired CaService cas;
    @Autowired CertificateService certs;
    @Autowired DeviceService devices;
    @Autowired PkiLifecycle lifecycle;
    @Autowired CrlService crls;

    UUID tenant;
    Caller admin;
    UUID issuing;

    @BeforeEach
    void pki() {
        tenant = tenants.create(new Caller(null, "t", Role.PLATFORM), "l-" + UUID.randomUUID().toString()
                .substring(0, 8)).tenant().id();
        admin = new Caller(tenant, "test", Role.ADMIN);
        UUID root = cas.create(admin, new NewCa("root", null, null, null, null)).id();
        issuing = cas.create(admin, new NewCa("issuing", root, "EC_P384", null, null)).id();
    }

    UUID device() {
        return devices.create(admin, new NewDevice("d", "meter", null, List.of(), Map.of(), null, null, null))
                .id();
    }

    List<String> eventTypes(UUID device) {
        return devices.events(tenant, device, null, 100).items().stream().map(e -> e.type()).toList();
    }

    @Test
    void aCertificateWalksThroughItsWindowsWithEvents() {
        UUID d = device();
        certs.issue(admin, d, Csrs.csr(Csrs.p256(), "x", false), null, null);
        assertThat(devices.get(tenant, d).identityStatus()).isEqualTo("ACTIVE");
        assertThat(lifecycle.tick()).isZero();

        CLOCK.advance(Duration.ofDays(336)); // 29 days before expiry: renewal window (30 d)
        lifecycle.tick();
        assertThat(devices.get(tenant, d).identityStatus()).isEqualTo("RENEWAL_PENDING");
        assertThat(eventTypes(d)).contains("RENEWAL-DUE");
        assertThat(lifecycle.tick()).as("no repeated transition").isZero();

        CLOCK.advance(Duration.ofDays(23)); // 6 days before expiry: critical window (7 d)
        lifecycle.tick();
        assertThat(devices.get(tenant, d).identityStatus()).isEqualTo("EXPIRING_SOON");
        assertThat(eventTypes(d)).contains("EXPIRING-SOON");

        CLOCK.advance(Duration.ofDays(7));
        lifecycle.tick();
        assertThat(devices.get(tenant, d).identityStatus()).isEqualTo("EXPIRED");
        assertThat(eventTypes(d)).contains("EXPIRED");
        assertThat(devices.stats(tenant).byIdentityStatus()).containsEntry("EXPIRED", 1L);
    }

    @Test
    void aRotatedOutCertificateIsSupersededWhenTheOverlapEnds() {
        UUID d = device();
        var first = certs.issue(admin, d, Csrs.csr(Csrs.p256(), "x", false), null, null).certificate();
        var second = certs.renew(admin, first.id()).certificate();
        Instant now = CLOCK.instant();
        assertThat(certs.get(tenant, first.id()).usableAt(now)).isTrue();
        CLOCK.advance(Duration.ofHours(23));
        lifecycle.tick();
        assertThat(certs.get(tenant, first.id()).status()).isEqualTo("ACTIVE");
        CLOCK.advance(Duration.ofHours(2));
        assertThat(certs.get(tenant, first.id()).usableAt(CLOCK.instant())).as("overlap over").isFalse();
        lifecycle.tick();
        assertThat(certs.get(tenant, first.id()).status()).isEqualTo("SUPERSEDED");
        assertThat(certs.get(tenant, second.id()).usableAt(CLOCK.instant())).isTrue();
        assertThat(devices.get(tenant, d).identityStatus()).isEqualTo("ACTIVE");
    }

    @Test
    void crlNumbersStrictlyIncreaseAndTheCrlIsResignedBeforeNextUpdate() throws Exception {
        UUID d = device();
        var c = certs.issue(admin, d, Csrs.csr(Csrs.p256(), "x", false), null, null).certificate();
        long n1 = number(crls.current(tenant, issuing));
        certs.revoke(admin, c.id(), "superseded");
        byte[] afterRevoke = crls.current(tenant, issuing);
        long n2 = number(afterRevoke);
        assertThat(n2).isGreaterThan(n1);
        assertThat(crl(afterRevoke).getRevokedCertificates()).hasSize(1);
        assertThat(crls.current(tenant, issuing)).as("fresh CRL is reused").isEqualTo(afterRevoke);
        CLOCK.advance(Duration.ofHours(13));
        lifecycle.tick();
        long n3 = number(crls.current(tenant, issuing));
        assertThat(n3).isGreaterThan(n2);
        assertThat(crl(crls.current(tenant, issuing)).getNextUpdate().toInstant()).isAfter(CLOCK.instant());
        assertThat(devices.get(tenant, d).identityStatus()).isEqualTo("REVOKED");
    }

    static X509CRL crl(byte[] der) throws Exception {
        return (X509CRL) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCRL(new java.io.ByteArrayInputStream(der));
    }

    static long number(byte[] der) throws Exception {
        byte[] ext = crl(der).getExtensionValue("2.5.29.20");
        var octets = org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets();
        return org.bouncycastle.asn1.ASN1Integer.getInstance(octets).getValue().longValueExact();
    }
}
