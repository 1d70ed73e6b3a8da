package io.fleetkeeper.pki.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.pki.internal.NativeSignatures.Algorithm;
import io.fleetkeeper.pki.internal.X509Factory.LeafProfile;
import java.io.OutputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Known-answer tests of CA signatures made through libcrypto: they verify with the JDK under the CA certificate's
 * key, the JDK's verify through libcrypto, a changed message fails both ways, and a certificate signed natively
 * verifies. Keys libcrypto does not sign here (RSA) or that do not match their certificate sign through the JDK.
 */
class NativeSigningTests {

    static NativeSignatures natives;

    @BeforeAll
    static void load() {
        natives = NativeSignatures.load();
    }

    @Test
    void ecSignaturesMadeThroughLibcryptoVerifyWithTheJdkAndTheJdksWithLibcrypto() throws Exception {
        assumeThat(natives).as("libcrypto 3 loads: " + NativeSignatures.loadFailure()).isNotNull();
        Random random = new Random(42);
        for (String curve : List.of("secp256r1", "secp384r1")) {
            KeyPair ca = ec(curve);
            X509Certificate cert = root(ca);
            SoftwareSigner nativeSigner = new SoftwareSigner(cert, ca.getPrivate(), natives);
            SoftwareSigner jdkSigner = new SoftwareSigner(cert, ca.getPrivate());
            assertThat(nativeSigner.isNative()).as(curve).isTrue();
            assertThat(jdkSigner.isNative()).isFalse();
            String jca = curve.equals("secp256r1") ? "SHA256withECDSA" : "SHA384withECDSA";
            assertThat(nativeSigner.contentSigner().getAlgorithmIdentifier())
                    .isEqualTo(jdkSigner.contentSigner().getAlgorithmIdentifier());
            byte[] spki = ca.getPublic().getEncoded();
            for (int i = 0; i < 50; i++) {
                byte[] message = new byte[1 + random.nextInt(2000)];
                random.nextBytes(message);
                byte[] nativeSignature = sign(nativeSigner.contentSigner(), message);
                byte[] jdkSignature = sign(jdkSigner.contentSigner(), message);

                assertThat(jdkVerify(jca, ca, message, nativeSignature)).as("%s native, JDK verifies", curve).isTrue();
                assertThat(natives.verify(Algorithm.ofJcaName(jca), spki, message, jdkSignature))
                        .as("%s JDK, native verifies", curve).isTrue();
                byte[] changed = message.clone();
                changed[random.nextInt(changed.length)] ^= 1;
                assertThat(jdkVerify(jca, ca, changed, nativeSignature)).isFalse();
                assertThat(natives.verify(Algorithm.ofJcaName(jca), spki, changed, jdkSignature)).isFalse();
            }
        }
    }

    @Test
    void aCertificateSignedThroughLibcryptoVerifiesUnderItsCa() throws Exception {
        assumeThat(natives).isNotNull();
        KeyPair ca = ec("secp256r1");
        X509Certificate caCert = root(ca);
        SoftwareSigner signer = new CaSigners(new SignatureVerifiers(true)).of(caCert, ca.getPrivate());
        assertThat(signer.isNative()).isTrue();
        X509Certificate leaf = X509Factory.leaf(signer, ec("secp256r1").getPublic(), X509Factory.serial(),
                new LeafProfile(new X500Name("CN=device"), List.of(), true, false, Instant.now(),
                        Instant.now().plusSeconds(3600), null, null));
        leaf.verify(caCert.getPublicKey());
        assertThat(natives.verify(Algorithm.SHA256_ECDSA, caCert.getPublicKey().getEncoded(),
                leaf.getTBSCertificate(), leaf.getSignature())).isTrue();
    }

    @Test
    void keysLibcryptoDoesNotSignOrThatDoNotMatchTheirCertificateSignThroughTheJdk() throws Exception {
        assumeThat(natives).isNotNull();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaCa = rsa.generateKeyPair();
        SoftwareSigner rsaSigner = new SoftwareSigner(root(rsaCa, "SHA256withRSA"), rsaCa.getPrivate(), natives);
        assertThat(rsaSigner.isNative()).isFalse();
        assertThat(jdkVerify("SHA256withRSA", rsaCa, new byte[] {1, 2, 3},
                sign(rsaSigner.contentSigner(), new byte[] {1, 2, 3}))).isTrue();

        KeyPair ca = ec("secp256r1");
        KeyPair other = ec("secp256r1");
        SoftwareSigner mismatched = new SoftwareSigner(root(ca), other.getPrivate(), natives);
        assertThat(mismatched.isNative()).as("the known-answer check refuses a key its certificate does not carry")
                .isFalse();

        assertThat(new CaSigners(new SignatureVerifiers(false)).of(root(ca), ca.getPrivate()).isNative()).isFalse();
    }

    private static byte[] sign(ContentSigner signer, byte[] message) throws Exception {
        try (OutputStream out = signer.getOutputStream()) {
            out.write(message);
        }
        return signer.getSignature();
    }

    private static boolean jdkVerify(String alg, KeyPair keys, byte[] message, byte[] signature) throws Exception {
        Signature v = Signature.getInstance(alg);
        v.initVerify(keys.getPublic());
        v.update(message);
        try {
            return v.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private static X509Certificate root(KeyPair keys) throws Exception {
        return root(keys, keys.getPublic().getEncoded().length > 100 ? "SHA384withECDSA" : "SHA256withECDSA");
    }

    private static X509Certificate root(KeyPair keys, String alg) throws Exception {
        return X509Factory.root(new X500Name("CN=CA"), keys.getPublic(),
                new JcaContentSignerBuilder(alg).build(keys.getPrivate()), Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(86400));
    }

    private static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }
}
