package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.internal.NativeSignatures.Algorithm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * How many ECDSA P-256 signatures (SHA-256, a 300-byte message) one thread verifies per second here: libcrypto
 * through {@link NativeSignatures} with the key kept (a CA key) and parsed each time (a CSR's), the JDK's
 * {@code SHA256withECDSA}, and {@code openssl speed ecdsap256} in the same run. Per wall-clock second and per
 * second of the thread's CPU (what {@code openssl speed} reports), so a busy machine shows. Not used by the server;
 * run from the server jar:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp fleetkeeper-server.jar \
 *   -Dloader.main=io.fleetkeeper.pki.internal.VerifySpeed org.springframework.boot.loader.launch.PropertiesLauncher [seconds]
 * </pre>
 */
public final class VerifySpeed {

    private VerifySpeed() {
    }

    private interface Verify {
        boolean run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        byte[] message = "0123456789".repeat(30).getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(kp.getPrivate());
        signer.update(message);
        byte[] sig = signer.sign();
        byte[] spki = kp.getPublic().getEncoded();
        SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(spki);

        NativeSignatures natives = NativeSignatures.load();
        System.out.printf("ECDSA P-256 verify, 1 thread, %d s each (after 1 s warm-up); load average %.2f%n", seconds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("%-44s %12s %14s%n", "", "verifies/s", "per CPU-second");
        if (natives == null) {
            System.out.println("native: libcrypto 3 cannot be loaded: " + NativeSignatures.loadFailure());
        } else {
            rate("native " + natives.version() + ", key kept", seconds,
                    () -> natives.verify(Algorithm.SHA256_ECDSA, spki, message, sig));
            rate("native, key parsed each time (a CSR)", seconds,
                    () -> natives.verifyOnce(Algorithm.SHA256_ECDSA, info, message, sig));
        }
        rate("JDK " + Runtime.version().feature() + " SHA256withECDSA", seconds, () -> {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(kp.getPublic());
            s.update(message);
            return s.verify(sig);
        });
        Process p = new ProcessBuilder("openssl", "speed", "-seconds", "" + seconds, "ecdsap256")
                .redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        p.waitFor();
        System.out.println("openssl speed -seconds " + seconds + " ecdsap256 (sign/s, verify/s per CPU-second):");
        lines.stream().filter(l -> l.contains("ecdsa (nistp256)") || l.contains("sign    verify")
                || l.startsWith("version")).forEach(l -> System.out.println("  " + l.strip()));
    }

    private static void rate(String name, int seconds, Verify verify) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<long[]> runs = new ArrayList<>();
        for (long millis : new long[] {1_000, seconds * 1_000L}) {
            long count = 0;
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long end = t0 + millis * 1_000_000;
            while (System.nanoTime() < end) {
                if (!verify.run()) {
                    throw new IllegalStateException(name + ": a valid signature did not verify");
                }
                count++;
            }
            runs.add(new long[] {count, System.nanoTime() - t0, threads.getCurrentThreadCpuTime() - cpu0});
        }
        long[] r = runs.get(1);
        System.out.printf("%-44s %12.0f %14.0f%n", name, r[0] * 1e9 / r[1], r[0] * 1e9 / r[2]);
    }
}
