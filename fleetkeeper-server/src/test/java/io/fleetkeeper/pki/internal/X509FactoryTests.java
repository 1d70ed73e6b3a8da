package io.fleetkeeper.pki.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.pki.CaSigner;
import io.fleetkeeper.pki.internal.X509Factory.LeafProfile;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * A leaf built with the issuer's fields kept per signer and the validity times kept per second is, to the byte,
 * the certificate BouncyCastle builds from the CA certificate and {@code Date}s each time (the signature aside,
 * which ECDSA randomizes): across the UTCTime/GeneralizedTime switch of RFC 5280 4.1.2.5 and within a second.
 */
class X509FactoryTests {

    private static final X500Name SUBJECT = new X500Name("CN=device,OU=tenant t,O=Fleetkeeper");

    @Test
    void aLeafIsEncodedAsBouncyCastleEncodesItFromTheCaCertificateAndDates() throws Exception {
        KeyPair caKeys = p256();
        X509Certificate caCert = X509Factory.root(new X500Name("CN=Issuing CA,O=Fleetkeeper"), caKeys.getPublic(),
                new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()),
                Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2099-01-01T00:00:00Z"));
        SoftwareSigner kept = new SoftwareSigner(caCert, caKeys.getPrivate());
        CaSigner other = new CaSigner() { // a signer that is not kept in process: its fields are read each time
            @Override
            public X509Certificate certificate() {
                return caCert;
            }

            @Override
            public ContentSigner contentSigner() {
                return kept.contentSigner();
            }
        };
        PublicKey device = p256().getPublic();
        List<Instant[]> validities = List.of(
                new Instant[] {Instant.parse("2026-12-04T20:01:02.345Z"), Instant.parse("2027-12-04T20:01:02.999Z")},
                new Instant[] {Instant.parse("2026-12-04T20:01:02.999Z"), Instant.parse("2027-12-04T20:01:02.001Z")},
                new Instant[] {Instant.parse("2026-12-04T20:01:03Z"), Instant.parse("2049-12-31T23:59:59.999Z")},
                new Instant[] {Instant.parse("2049-12-31T23:59:59Z"), Instant.parse("2050-01-01T00:00:00Z")},
                new Instant[] {Instant.parse("2050-01-01T00:00:00.500Z"), Instant.parse("2098-06-30T12:00:00Z")},
                new Instant[] {Instant.parse("1999-12-31T23:59:59Z"), Instant.parse("2000-01-01T00:00:00Z")});
        int utc = 0;
        int generalized = 0;
        for (Instant[] v : validities) {
            for (CaSigner signer : List.of(kept, other)) {
                LeafProfile profile = new LeafProfile(SUBJECT, List.of(new GeneralName(
                        GeneralName.uniformResourceIdentifier, "urn:fleetkeeper:device:1")), true, false, v[0], v[1],
                        "http://ca/crl", "http://ca/ocsp");
                BigInteger serial = X509Factory.serial();
                X509Certificate ours = X509Factory.leaf(signer, device, serial, profile);

                assertThat(ours.getTBSCertificate()).as("TBS of %s..%s", v[0], v[1])
                        .isEqualTo(reference(caCert, device, serial, profile));
                ours.verify(caKeys.getPublic());
                TBSCertificate tbs = TBSCertificate.getInstance(ours.getTBSCertificate());
                for (Time t : List.of(tbs.getStartDate(), tbs.getEndDate())) {
                    boolean before2050 = t.getDate().toInstant().isBefore(Instant.parse("2050-01-01T00:00:00Z"));
                    assertThat(t.toASN1Primitive() instanceof org.bouncycastle.asn1.ASN1UTCTime).isEqualTo(before2050);
                    if (before2050) {
                        utc++;
                    } else {
                        generalized++;
                    }
                }
            }
        }
        assertThat(utc).isPositive();
        assertThat(generalized).isPositive();
    }

    @Test
    void aTimeIsKeptForItsSecondOnly() {
        X509Factory.SecondTime times = new X509Factory.SecondTime();
        Time a = times.of(Instant.parse("2026-12-04T20:01:02.001Z"));
        assertThat(times.of(Instant.parse("2026-12-04T20:01:02.999Z"))).isSameAs(a);
        Time b = times.of(Instant.parse("2026-12-04T20:01:03Z"));
        assertThat(b).isNotSameAs(a);
        assertThat(b.getDate()).isEqualTo(Date.from(Instant.parse("2026-12-04T20:01:03Z")));
        assertThat(times.of(Instant.parse("2026-12-04T20:01:02.500Z")).getDate())
                .isEqualTo(Date.from(Instant.parse("2026-12-04T20:01:02Z")));
    }

    /** The leaf as built before the issuer's fields and times were kept: from the CA certificate and Dates. */
    private static byte[] reference(X509Certificate ca, PublicKey key, BigInteger serial, LeafProfile p)
            throws Exception {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial, Date.from(p.notBefore()),
                Date.from(p.notAfter()), p.subject(), key)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca))
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(p.subjectAltNames().toArray(GeneralName[]::new)))
                .addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
                        new DistributionPoint(new DistributionPointName(new GeneralNames(
                                new GeneralName(GeneralName.uniformResourceIdentifier, p.crlUrl()))), null, null)}))
                .addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                        new AccessDescription(AccessDescription.id_ad_ocsp,
                                new GeneralName(GeneralName.uniformResourceIdentifier, p.ocspUrl()))));
        KeyPair throwaway = p256(); // the TBS part does not depend on the signing key
        return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(throwaway.getPrivate()))
                .toASN1Structure().getTBSCertificate().getEncoded("DER");
    }

    private static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}
