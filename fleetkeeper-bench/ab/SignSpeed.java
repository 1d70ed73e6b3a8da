package io.fleetkeeper.pki.internal;

import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

public class SignSpeed {
    public static void main(String[] a) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        var cert = X509Factory.root(new X500Name("CN=CA"), kp.getPublic(),
                new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()), Instant.now(), Instant.now().plusSeconds(99999));
        SoftwareSigner nat = new SoftwareSigner(cert, kp.getPrivate(), NativeSignatures.load());
        SoftwareSigner jdk = new SoftwareSigner(cert, kp.getPrivate());
        byte[] msg = new byte[500];
        var mx = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 3; round++) {
            for (SoftwareSigner s : new SoftwareSigner[] {jdk, nat}) {
                long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime(); int n = 0;
                while (System.nanoTime() - t0 < 2_000_000_000L) {
                    ContentSigner cs = s.contentSigner();
                    cs.getOutputStream().write(msg);
                    cs.getSignature(); n++;
                }
                double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                System.out.printf("round %d %s: %d signs, %.0f per CPU-s (%.1f us CPU each)%n", round, s.isNative() ? "native" : "JDK", n, n / cpu, cpu * 1e6 / n);
            }
        }
    }
}
