package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.fleetkeeper.pki.internal.CaRepository;
import io.fleetkeeper.pki.internal.CaRepository.CaRow;
import io.fleetkeeper.pki.internal.SignatureVerifiers;
import io.fleetkeeper.testing.Csrs;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The handshake's chain check stands in for the store path's check of the same leaf in the same tenant, briefly
 * and only on the same index: counted by how often a chain goes to PKIX (each run asks the verifiers for a
 * provider), and with answers that must not change.
 */
class TrustIndexHandshakeTests {

    private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");

    private final UUID tenantA = UUID.randomUUID();
    private final UUID tenantB = UUID.randomUUID();
    private final List<CaRow> rows = new ArrayList<>();
    private final MutableClock clock = new MutableClock(T0);
    private SignatureVerifiers verifiers;
    private TrustIndex index;
    private X509Certificate[] chain;
    private X509Certificate[] otherChain;

    @BeforeEach
    void setUp() throws Exception {
        KeyPair rootKey = Csrs.p256();
        KeyPair issuingKey = Csrs.p256();
        X509Certificate root = cert("CN=Root A", rootKey.getPublic(), "CN=Root A", rootKey.getPrivate(), true);
        X509Certificate issuing = cert("CN=Issuing", issuingKey.getPublic(), "CN=Root A", rootKey.getPrivate(), true);
        rows.add(row(tenantA, "ROOT", root));
        rows.add(row(tenantA, "ISSUING", issuing));
        // Tenant B: a CA of the same name with another key, so A's leaves do not validate in B.
        KeyPair bKey = Csrs.p256();
        rows.add(row(tenantB, "TRUST_ANCHOR", cert("CN=Issuing", bKey.getPublic(), "CN=Issuing", bKey.getPrivate(),
                true)));
        chain = new X509Certificate[] {cert("CN=dev-1", Csrs.p256().getPublic(), "CN=Issuing",
                issuingKey.getPrivate(), false), issuing};
        otherChain = new X509Certificate[] {cert("CN=dev-2", Csrs.p256().getPublic(), "CN=Issuing",
                issuingKey.getPrivate(), false), issuing};
        CaRepository cas = mock(CaRepository.class);
        when(cas.all()).thenAnswer(i -> rows);
        verifiers = spy(new SignatureVerifiers(false));
        index = new TrustIndex(cas, verifiers, clock);
        assertThat(index.verify(otherChain)).isPresent(); // builds the index and the issuing CA's chain memo
    }

    @Test
    void theStorePathReusesTheHandshakeCheckOfTheSameLeafInTheSameTenant() {
        assertThat(index.handshake(chain)).get().extracting(TrustIndex.Verified::tenantId).isEqualTo(tenantA);
        clearInvocations(verifiers);
        clock.advance(Duration.ofSeconds(9));

        var again = index.verify(chain, tenantA);

        assertThat(again).get().satisfies(v -> {
            assertThat(v.tenantId()).isEqualTo(tenantA);
            assertThat(v.issuerKind()).isEqualTo("ISSUING");
            assertThat(v.leaf()).isSameAs(chain[0]);
        });
        verify(verifiers, never()).pathProvider(any());
    }

    @Test
    void aCallerWithTheLeafsFingerprintFindsTheHandshakeCheckWithoutHashingAgain() {
        index.handshake(chain);
        clearInvocations(verifiers);

        assertThat(index.verifyIn(chain, tenantA, Pem.fingerprint(chain[0]))).get()
                .extracting(TrustIndex.Verified::issuerKind).isEqualTo("ISSUING");
        verify(verifiers, never()).pathProvider(any());
        assertThat(index.verifyIn(otherChain, tenantA, Pem.fingerprint(otherChain[0]))).isPresent();
        verify(verifiers, atLeastOnce()).pathProvider(any());
    }

    @Test
    void anotherTenantAnotherLeafOrAPlainCheckIsNotAnsweredFromTheHandshake() {
        index.handshake(chain);
        clearInvocations(verifiers);

        assertThat(index.verify(chain, tenantB)).as("not valid under tenant B's CA of the same name").isEmpty();
        assertThat(index.verify(otherChain, tenantA)).isPresent();
        verify(verifiers, atLeastOnce()).pathProvider(any());
    }

    @Test
    void aHandshakeCheckEndsAfterTheReuseWindowOrAChangeOfTheIndex() {
        index.handshake(chain);
        clock.advance(Duration.ofMillis(TrustIndex.HANDSHAKE_REUSE_MS));
        clearInvocations(verifiers);
        assertThat(index.verify(chain, tenantA)).isPresent();
        verify(verifiers, atLeastOnce()).pathProvider(any());

        index.handshake(chain);
        rows.removeIf(r -> r.kind().equals("ISSUING")); // the issuing CA is gone
        index.invalidate();
        assertThat(index.verify(chain, tenantA)).as("checked again against the changed index").isEmpty();
    }

    @Test
    void aRefusedHandshakeIsNotRemembered() throws Exception {
        KeyPair stranger = Csrs.p256();
        X509Certificate[] forged = {cert("CN=dev-1", Csrs.p256().getPublic(), "CN=Issuing", stranger.getPrivate(),
                false)};
        assertThat(index.handshake(forged)).isEmpty();
        assertThat(index.verify(forged, tenantA)).isEmpty();
    }

    private static CaRow row(UUID tenant, String kind, X509Certificate c) throws Exception {
        return new CaRow(tenant, UUID.randomUUID(), kind, kind, null, c.getSubjectX500Principal().getName(), "EC",
                Csrs.pem(c), null, Pem.fingerprint(c), c.getNotBefore().toInstant(), c.getNotAfter().toInstant(),
                "ACTIVE", 0);
    }

    private static X509Certificate cert(String subject, PublicKey key, String issuer, PrivateKey signer, boolean ca)
            throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(System.nanoTime()),
                Date.from(T0.minus(Duration.ofDays(1))), Date.from(T0.plus(Duration.ofDays(365))),
                new X500Name(subject), key);
        if (ca) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
