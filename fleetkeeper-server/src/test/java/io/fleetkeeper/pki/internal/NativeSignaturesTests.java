package io.fleetkeeper.pki.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.pki.internal.NativeSignatures.Algorithm;
import io.fleetkeeper.testing.Csrs;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signature verification through libcrypto against the JDK's: known answers from the openssl command line, bit
 * flips, malformed DER, many random cases through both paths, the key cache under eviction and concurrency, CSRs
 * and certificate signatures as the PKI checks them.
 */
class NativeSignaturesTests {

    private static NativeSignatures natives;
    private static final Random RANDOM = new Random(20261203);

    @BeforeAll
    static void load() {
        natives = NativeSignatures.load();
        if (natives == null) {
            System.out.println("SKIPPED: native signature tests: libcrypto 3 cannot be loaded ("
                    + NativeSignatures.loadFailure() + ")");
        }
        assumeThat(natives).as("libcrypto 3 loads: " + NativeSignatures.loadFailure()).isNotNull();
    }

    @Test
    void verifiesWhatTheOpensslCommandLineSignedAndNothingChanged(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/openssl"))) {
            System.out.println("SKIPPED: openssl known answers: /usr/bin/openssl is not installed");
        }
        assumeThat(Path.of("/usr/bin/openssl")).as("openssl is installed").isExecutable();
        byte[] message = "fleetkeeper known answer\n".repeat(20).getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("msg"), message);
        for (String[] c : new String[][] {{"ec", "prime256v1", "sha256", "SHA256_ECDSA"},
                {"ec", "secp384r1", "sha384", "SHA384_ECDSA"}, {"ec", "prime256v1", "sha512", "SHA512_ECDSA"},
                {"rsa", "2048", "sha256", "SHA256_RSA"}}) {
            Path key = dir.resolve(c[1] + c[2] + ".key");
            if (c[0].equals("ec")) {
                openssl(dir, "ecparam", "-name", c[1], "-genkey", "-noout", "-out", key.toString());
            } else {
                openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + c[1], "-out",
                        key.toString());
            }
            openssl(dir, "pkey", "-in", key.toString(), "-pubout", "-outform", "DER", "-out", key + ".pub");
            openssl(dir, "dgst", "-" + c[2], "-sign", key.toString(), "-out", key + ".sig", "msg");
            byte[] spki = Files.readAllBytes(Path.of(key + ".pub"));
            byte[] sig = Files.readAllBytes(Path.of(key + ".sig"));
            Algorithm alg = Algorithm.valueOf(c[3]);
            String what = String.join(" ", c);

            assertThat(natives.verify(alg, spki, message, sig)).as(what).isTrue();
            assertThat(jdk(alg, spki, message, sig)).as("the JDK agrees: " + what).isTrue();
            assertThat(natives.verify(alg, spki, flip(message, RANDOM.nextInt(message.length * 8)), sig))
                    .as("message changed: " + what).isFalse();
            for (int bit = 0; bit < sig.length * 8; bit += 7) {
                assertThat(natives.verify(alg, spki, message, flip(sig, bit))).as("signature bit %d: %s", bit, what)
                        .isFalse();
            }
            for (int bit = (spki.length - 32) * 8; bit < spki.length * 8; bit += 5) {
                // A flipped key is either no key at all (the JDK's to refuse) or another key: never a pass.
                assertThat(natives.verify(alg, flip(spki, bit), message, sig)).as("key bit %d: %s", bit, what)
                        .isNotEqualTo(Boolean.TRUE);
            }
        }
    }

    @Test
    void malformedDerIsFalseOrNotTakenNeverACrash() throws Exception {
        KeyPair kp = ec("secp256r1");
        byte[] spki = kp.getPublic().getEncoded();
        byte[] message = bytes(200);
        byte[] sig = sign("SHA256withECDSA", kp, message);
        List<byte[]> badSignatures = List.of(new byte[0], new byte[] {0x30}, new byte[] {0x30, 0x00},
                Arrays.copyOf(sig, sig.length - 1), Arrays.copyOf(sig, sig.length + 1), bytes(72),
                concat(sig, new byte[] {0x00}), new byte[] {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, 0x10},
                new byte[100_000]);
        byte[] rsa = Csrs.rsa(2048).getPublic().getEncoded();
        for (byte[] bad : badSignatures) {
            assertThat(natives.verify(Algorithm.SHA256_ECDSA, spki, message, bad)).as("%d bytes", bad.length)
                    .isFalse();
            assertThat(natives.verify(Algorithm.SHA256_RSA, rsa, message, bad)).as("%d bytes", bad.length).isFalse();
        }
        for (byte[] badKey : List.of(new byte[0], bytes(91), Arrays.copyOf(spki, spki.length - 1),
                concat(spki, new byte[] {0x00}), new byte[] {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff})) {
            assertThat(natives.verify(Algorithm.SHA256_ECDSA, badKey, message, sig)).as("not a key: not taken")
                    .isNull();
        }
        // An RSA key for an ECDSA signature, a curve the JDK does not know: left to the JDK.
        assertThat(natives.verify(Algorithm.SHA256_ECDSA, rsa, message, sig)).isNull();
        assertThat(natives.verify(Algorithm.SHA256_ECDSA, Csrs.ec("secp256k1").getPublic().getEncoded(), message, sig))
                .isNull();
    }

    @Test
    void nativeAndJdkGiveTheSameAnswerOverManyRandomCases() throws Exception {
        Signature nativeSig;
        int agreedTrue = 0;
        int agreedFalse = 0;
        String provider = NativeSignatureProvider.register(natives);
        List<KeyPair> keys = List.of(ec("secp256r1"), ec("secp384r1"), ec("secp521r1"),
                Csrs.rsa(2048), Csrs.rsa(3072));
        for (int i = 0; i < 600; i++) {
            KeyPair kp = keys.get(RANDOM.nextInt(keys.size()));
            boolean ec = kp.getPublic().getAlgorithm().equals("EC");
            Algorithm alg = Algorithm.values()[(ec ? 0 : 3) + RANDOM.nextInt(3)];
            byte[] message = bytes(RANDOM.nextInt(2_000));
            byte[] sig = sign(alg.jcaName(), kp, message);
            PublicKey key = kp.getPublic();
            switch (RANDOM.nextInt(6)) {
                case 0 -> message = message.length == 0 ? bytes(1) : flip(message, RANDOM.nextInt(message.length * 8));
                case 1 -> sig = flip(sig, RANDOM.nextInt(sig.length * 8));
                case 2 -> sig = Arrays.copyOf(sig, RANDOM.nextInt(sig.length));
                case 3 -> key = keys.get(RANDOM.nextInt(keys.size())).getPublic();
                default -> {
                    // unchanged
                }
            }
            boolean expected = jdk(alg, key, message, sig);
            nativeSig = Signature.getInstance(alg.jcaName(), provider);
            boolean actual;
            try {
                nativeSig.initVerify(key); // refuses a key of the wrong type, as the JDK's providers do
                nativeSig.update(message);
                actual = nativeSig.verify(sig);
            } catch (java.security.GeneralSecurityException e) {
                actual = false;
            }
            assertThat(actual).as("case %d: %s, %s key, %d-byte message", i, alg, key.getAlgorithm(),
                    message.length).isEqualTo(expected);
            if (expected) {
                agreedTrue++;
            } else {
                agreedFalse++;
            }
        }
        assertThat(agreedTrue).as("valid cases among the random ones").isGreaterThan(100);
        assertThat(agreedFalse).as("invalid cases among the random ones").isGreaterThan(100);
    }

    @Test
    void keyCacheStaysBoundedAndEvictedKeysStillVerify() throws Throwable {
        NativeSignatures small = new NativeSignatures(LibCrypto.load(), 8);
        byte[] message = bytes(64);
        KeyPair first = ec("secp256r1");
        byte[] firstSig = sign("SHA256withECDSA", first, message);
        assertThat(small.verify(Algorithm.SHA256_ECDSA, first.getPublic().getEncoded(), message, firstSig)).isTrue();
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        for (int i = 0; i < 20; i++) {
            KeyPair kp = g.generateKeyPair();
            assertThat(small.verify(Algorithm.SHA256_ECDSA, kp.getPublic().getEncoded(), message, firstSig)).isFalse();
            assertThat(small.cachedKeys()).isEqualTo(Math.min(i + 2, 8));
        }
        assertThat(small.verify(Algorithm.SHA256_ECDSA, first.getPublic().getEncoded(), message, firstSig))
                .as("the first key, evicted and parsed again").isTrue();
        assertThat(NativeSignatures.CACHED_KEYS).as("the process's verifier").isEqualTo(1024);
    }

    @Test
    void concurrentVerificationsWhileKeysAreEvicted() throws Throwable {
        // A cache of two keys: the CA keys in use are evicted (their cache reference freed) all the time.
        NativeSignatures small = new NativeSignatures(LibCrypto.load(), 2);
        List<KeyPair> cas = List.of(ec("secp256r1"), ec("secp384r1"), ec("secp256r1"));
        List<byte[]> messages = new ArrayList<>();
        List<byte[]> signatures = new ArrayList<>();
        for (KeyPair ca : cas) {
            byte[] m = bytes(300);
            messages.add(m);
            signatures.add(sign("SHA256withECDSA", ca, m));
        }
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        List<byte[]> churn = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            churn.add(g.generateKeyPair().getPublic().getEncoded());
        }
        AtomicBoolean done = new AtomicBoolean();
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                workers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 1_500; i++) {
                        int k = r.nextInt(cas.size());
                        boolean tamper = r.nextBoolean();
                        byte[] m = tamper ? flip(messages.get(k), 3) : messages.get(k);
                        Boolean ok = small.verify(Algorithm.SHA256_ECDSA, cas.get(k).getPublic().getEncoded(), m,
                                signatures.get(k));
                        assertThat(ok).isEqualTo(!tamper);
                        checked++;
                    }
                    return checked;
                }));
            }
            Callable<Integer> evictor = () -> {
                int n = 0;
                while (!done.get()) {
                    small.verify(Algorithm.SHA256_ECDSA, churn.get(n++ % churn.size()), messages.get(0),
                            signatures.get(0));
                }
                return n;
            };
            Future<Integer> evicting = pool.submit(evictor);
            int total = 0;
            for (Future<Integer> w : workers) {
                total += w.get();
            }
            done.set(true);
            assertThat(evicting.get()).isPositive();
            assertThat(total).isEqualTo(6_000);
        }
    }

    @Test
    void csrSignaturesAsTheIssuanceChecksThem() throws Exception {
        SignatureVerifiers nativeVerifiers = new SignatureVerifiers(true);
        SignatureVerifiers jdkVerifiers = new SignatureVerifiers(false);
        assertThat(nativeVerifiers.isNative()).isTrue();
        assertThat(jdkVerifiers.isNative()).isFalse();
        KeyPair rsa = Csrs.rsa(2048);
        for (KeyPair[] pair : new KeyPair[][] {{ec("secp256r1"), ec("secp256r1")}, {ec("secp384r1"), ec("secp384r1")},
                {rsa, Csrs.rsa(2048)}, {ec("secp256r1"), rsa}}) {
            KeyPair kp = pair[0];
            PKCS10CertificationRequest good = csr(kp.getPublic(), kp.getPrivate());
            PKCS10CertificationRequest forged = csr(kp.getPublic(), pair[1].getPrivate()); // signed with another key
            for (SignatureVerifiers v : List.of(nativeVerifiers, jdkVerifiers)) {
                assertThat(signed(good, v)).isTrue();
                assertThat(signed(forged, v)).isFalse();
                assertThat(CsrPolicy.verifiedKey(good, "csr", v).getEncoded()).isEqualTo(kp.getPublic().getEncoded());
                assertThatThrownBy(() -> CsrPolicy.verifiedKey(forged, "csr", v)).isInstanceOf(ApiException.class)
                        .hasMessageContaining("signature does not verify");
            }
        }
        // A signature algorithm the native path does not take (SHA-1) is still checked, by the JDK.
        KeyPair kp = ec("secp256r1");
        PKCS10CertificationRequest sha1 = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=sha1"),
                kp.getPublic()).build(new JcaContentSignerBuilder("SHA1withECDSA").build(kp.getPrivate()));
        assertThat(signed(sha1, nativeVerifiers)).isTrue();
        assertThat(CsrPolicy.verifiedKey(sha1, "csr", nativeVerifiers).getEncoded())
                .isEqualTo(kp.getPublic().getEncoded());
    }

    @Test
    void certificateSignaturesThroughTheProviderThePkixCheckUses() throws Exception {
        SignatureVerifiers verifiers = new SignatureVerifiers(true);
        KeyPair ca = ec("secp256r1");
        KeyPair other = ec("secp256r1");
        X509Certificate leaf = certificate(ca, ec("secp256r1"), "SHA256withECDSA");
        String provider = verifiers.pathProvider(List.of(leaf));
        assertThat(provider).isEqualTo(NativeSignatureProvider.NAME);
        leaf.verify(ca.getPublic(), provider);
        assertThatThrownBy(() -> certificate(ca, ec("secp256r1"), "SHA256withECDSA").verify(other.getPublic(), provider))
                .isInstanceOf(java.security.SignatureException.class);
        // Algorithms the provider does not know leave the whole path to the JDK's providers.
        assertThat(verifiers.pathProvider(List.of(leaf, certificate(ca, ec("secp256r1"), "SHA1withECDSA")))).isNull();
        assertThat(new SignatureVerifiers(false).pathProvider(List.of(leaf))).isNull();
    }

    /** As the issuance checks it: an exception (a key of the wrong type) is no. */
    private static boolean signed(PKCS10CertificationRequest csr, SignatureVerifiers v) {
        try {
            return csr.isSignatureValid(v.forKey(csr.getSubjectPublicKeyInfo()));
        } catch (Exception e) {
            return false;
        }
    }

    private static KeyPair ec(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PKCS10CertificationRequest csr(PublicKey key, PrivateKey signer) throws Exception {
        String alg = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=dev"), key)
                .build(new JcaContentSignerBuilder(alg).build(signer));
    }

    private static X509Certificate certificate(KeyPair issuer, KeyPair subject, String alg) throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name("CN=ca"), BigInteger.valueOf(RANDOM.nextInt(1 << 30)),
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)),
                new X500Name("CN=leaf"), subject.getPublic());
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg)
                .build(issuer.getPrivate())));
    }

    private static boolean jdk(Algorithm alg, byte[] spki, byte[] message, byte[] sig) throws Exception {
        String type = NativeSignatures.typeOf(SubjectPublicKeyInfo.getInstance(spki)) == NativeSignatures.KeyType.RSA
                ? "RSA" : "EC";
        PublicKey key = java.security.KeyFactory.getInstance(type)
                .generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
        return jdk(alg, key, message, sig);
    }

    /** The JDK's answer, an exception (bad encoding, wrong key type) counting as no. */
    private static boolean jdk(Algorithm alg, PublicKey key, byte[] message, byte[] sig) {
        try {
            Signature s = NativeSignatureProvider.jdkSignature(alg, key);
            s.update(message);
            return s.verify(sig);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] sign(String alg, KeyPair kp, byte[] message) throws Exception {
        Signature s = Signature.getInstance(alg);
        s.initSign(kp.getPrivate());
        s.update(message);
        return s.sign();
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] flip(byte[] in, int bit) {
        byte[] out = in.clone();
        out[bit / 8] ^= (byte) (1 << (bit % 8));
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
