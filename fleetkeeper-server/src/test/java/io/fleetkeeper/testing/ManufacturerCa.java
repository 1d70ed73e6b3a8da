package io.fleetkeeper.testing;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A device maker's own CA, outside Fleetkeeper: a self-signed P-256 root that signs device certificates (client
 * authentication), as a factory would. Tenants register {@link #certificate()} as a trust anchor.
 */
public record ManufacturerCa(KeyPair key, X509Certificate certificate) {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A device certificate from this CA and its key. */
    public record DeviceCredential(KeyPair key, X509Certificate[] chain) {
    }

    public static ManufacturerCa create(String name) throws Exception {
        KeyPair key = Csrs.p256();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        return new ManufacturerCa(key, sign(subject, key, subject, key.getPublic(), true,
                now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(3650))));
    }

    /** A device certificate for a fresh key, subject {@code CN=<cn>}, valid from an hour ago for ten years. */
    public DeviceCredential issue(String cn) throws Exception {
        KeyPair device = Csrs.p256();
        Instant now = Instant.now();
        X509Certificate leaf = sign(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), key,
                new X500Name("CN=" + cn), device.getPublic(), false, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(3650)));
        return new DeviceCredential(device, new X509Certificate[] {leaf, certificate});
    }

    private static X509Certificate sign(X500Name issuer, KeyPair issuerKey, X500Name subject, PublicKey key,
            boolean ca, Instant notBefore, Instant notAfter) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM),
                Date.from(notBefore), Date.from(notAfter), subject, key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                : KeyUsage.digitalSignature));
        if (!ca) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(
                "SHA256withECDSA").build(issuerKey.getPrivate())));
    }
}
