package io.fleetkeeper.testing;

import io.fleetkeeper.testing.TlsClient.Credential;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A device manufacturer's CA, made in the test with BouncyCastle: it signs factory certificates. */
public record Manufacturer(KeyPair key, X509Certificate certificate) {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new self-signed manufacturer root with a unique name. */
    public static Manufacturer root() {
        return root(KeyUsage.keyCertSign | KeyUsage.cRLSign);
    }

    /** As {@link #root()}, with the given key usage bits (BouncyCastle's {@link KeyUsage} constants). */
    public static Manufacturer root(int keyUsage) {
        KeyPair key = Csrs.p256();
        X500Name name = new X500Name("CN=Acme Factory Root " + HexFormat.of().toHexDigits(RANDOM.nextLong()));
        return new Manufacturer(key, sign(name, key, name, key, keyUsage, null));
    }

    public String pem() {
        return Csrs.pem(certificate);
    }

    /** A factory certificate (a fresh key) whose subject names {@code serial} in its serialNumber attribute. */
    public Credential deviceWithSerialNumber(String serial) {
        return device(new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "Acme Meter")
                .addRDN(BCStyle.SERIALNUMBER, serial).build(), null);
    }

    /** A certificate for a fresh key with {@code subject}, and a URI subjectAltName when {@code uri} is given. */
    public Credential device(X500Name subject, String uri) {
        KeyPair key = Csrs.p256();
        X500Name issuer = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        return new Credential(key, sign(issuer, this.key, subject, key, 0, uri), certificate);
    }

    /** A CA certificate when {@code caKeyUsage} is not 0 (with that key usage), else a device's. */
    private static X509Certificate sign(X500Name issuer, KeyPair issuerKey, X500Name subject, KeyPair subjectKey,
            int caKeyUsage, String uri) {
        boolean ca = caKeyUsage != 0;
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), subject,
                    subjectKey.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? caKeyUsage : KeyUsage.digitalSignature));
            if (!ca) {
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            }
            if (uri != null) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
