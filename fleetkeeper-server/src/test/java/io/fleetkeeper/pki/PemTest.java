package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The JDK-encoded certificate PEM is byte for byte what BouncyCastle's writer gives, and reads back the same. */
class PemTest {

    @Test
    void certificatesAreWrittenExactlyAsBouncyCastleWritesThem() throws Exception {
        List<X509CertificateHolder> holders = new ArrayList<>();
        // subjects of growing length move the DER length across several multiples of 48 bytes (64 Base64 chars)
        for (int i = 0; i < 60; i++) {
            holders.add(selfSigned("EC", "CN=" + "d".repeat(i + 1)));
        }
        holders.add(selfSigned("RSA", "CN=rsa"));
        for (X509CertificateHolder h : holders) {
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(h);
            String ours = Pem.write(cert);
            assertThat(ours).isEqualTo(bouncyCastle(cert)).isEqualTo(Pem.write((Object) cert));
            assertThat(Pem.stored(ours)).isEqualTo(cert);
            assertThat(Pem.certificates(ours, "pem")).containsExactly(cert);
            assertThat(Pem.certificate(h)).isEqualTo(cert);
        }
        X509Certificate a = Pem.certificate(holders.get(0));
        X509Certificate b = Pem.certificate(holders.get(60));
        assertThat(Pem.chain(List.of(a, b))).isEqualTo(bouncyCastle(a) + bouncyCastle(b));
    }

    @Test
    void aStoredTextThatIsNotACertificateFailsLoudly() {
        assertThatThrownBy(() -> Pem.stored("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(IllegalStateException.class);
    }

    private static String bouncyCastle(X509Certificate cert) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(cert);
        }
        return out.toString();
    }

    private static X509CertificateHolder selfSigned(String algorithm, String subject) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        if (algorithm.equals("EC")) {
            g.initialize(new ECGenParameterSpec("secp256r1"));
        } else {
            g.initialize(2048);
        }
        KeyPair kp = g.generateKeyPair();
        X500Principal name = new X500Principal(subject);
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()), Date.from(now),
                Date.from(now.plusSeconds(3600)), name, kp.getPublic())
                .build(new JcaContentSignerBuilder(algorithm.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA")
                        .build(kp.getPrivate()));
    }
}
