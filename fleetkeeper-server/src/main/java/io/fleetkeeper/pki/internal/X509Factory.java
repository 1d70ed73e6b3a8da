package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.pki.CaSigner;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
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
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;

/** Builds certificates with BouncyCastle; the profile of each kind of certificate lives here. */
public final class X509Factory {

    private static final SecureRandom RANDOM = new SecureRandom();

    private X509Factory() {
    }

    /** 128 random bits, positive and non-zero (RFC 5280 allows up to 20 octets). */
    public static BigInteger serial() {
        BigInteger s;
        do {
            s = new BigInteger(128, RANDOM);
        } while (s.signum() == 0);
        return s;
    }

    public static X509Certificate root(X500Name subject, PublicKey key, ContentSigner signer, Instant from,
            Instant to) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(from),
                    Date.from(to), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
            return Pem.certificate(b.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build root certificate", e);
        }
    }

    public static X509Certificate intermediate(CaSigner parent, X500Name subject, PublicKey key, Instant from,
            Instant to, int pathLength) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(parent.certificate(), serial(),
                    Date.from(from), Date.from(to), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(pathLength))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(parent.certificate()));
            return Pem.certificate(b.build(parent.contentSigner()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build CA certificate", e);
        }
    }

    /** What a leaf certificate says, decided by policy; the CSR contributes only the public key. */
    public record LeafProfile(X500Name subject, List<GeneralName> subjectAltNames, boolean clientAuth,
            boolean serverAuth, Instant notBefore, Instant notAfter, String crlUrl, String ocspUrl,
            boolean codeSigning) {

        /** A TLS client ({@code serverAuth} false) or TLS server certificate. */
        public LeafProfile(X500Name subject, List<GeneralName> subjectAltNames, boolean clientAuth,
                boolean serverAuth, Instant notBefore, Instant notAfter, String crlUrl, String ocspUrl) {
            this(subject, subjectAltNames, clientAuth, serverAuth, notBefore, notAfter, crlUrl, ocspUrl, false);
        }
    }

    /**
     * A validity time as BouncyCastle's {@code Time(Date)} encodes it (UTCTime through 2049, GeneralizedTime from
     * 2050, whole seconds: RFC 5280 4.1.2.5), kept for the last second asked: {@code Time(Date)} builds a
     * {@code SimpleDateFormat} per call, and the certificates issued in one second share their dates.
     */
    static final class SecondTime {
        private record Kept(long second, Time time) {
        }

        private volatile Kept kept = new Kept(Long.MIN_VALUE, null);

        Time of(Instant instant) {
            long second = instant.getEpochSecond();
            Kept k = kept;
            if (k.second() != second) {
                k = new Kept(second, new Time(Date.from(Instant.ofEpochSecond(second))));
                kept = k;
            }
            return k.time();
        }
    }

    private static final SecondTime NOT_BEFORE = new SecondTime();
    private static final SecondTime NOT_AFTER = new SecondTime();

    public static X509Certificate leaf(CaSigner issuer, PublicKey key, BigInteger serial, LeafProfile p) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            IssuerFields ca = issuer instanceof SoftwareSigner s ? s.issuerFields()
                    : IssuerFields.of(issuer.certificate());
            boolean rsa = key.getAlgorithm().equals("RSA");
            // Code signing: digitalSignature only (RFC 5280 4.2.1.12); TLS with RSA also enciphers keys.
            int usage = KeyUsage.digitalSignature | (rsa && !p.codeSigning() ? KeyUsage.keyEncipherment : 0);
            KeyPurposeId purpose = p.codeSigning() ? KeyPurposeId.id_kp_codeSigning
                    : p.serverAuth() ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth;
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.name(), serial,
                    NOT_BEFORE.of(p.notBefore()), NOT_AFTER.of(p.notAfter()), p.subject(), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            if (!p.subjectAltNames().isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(p.subjectAltNames().toArray(GeneralName[]::new)));
            }
            if (p.crlUrl() != null) {
                b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
                        new DistributionPoint(new DistributionPointName(new GeneralNames(
                                new GeneralName(GeneralName.uniformResourceIdentifier, p.crlUrl()))), null, null)}));
            }
            if (p.ocspUrl() != null) {
                b.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                        new AccessDescription(AccessDescription.id_ad_ocsp,
                                new GeneralName(GeneralName.uniformResourceIdentifier, p.ocspUrl()))));
            }
            return Pem.certificate(b.build(issuer.contentSigner()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build certificate", e);
        }
    }
}
