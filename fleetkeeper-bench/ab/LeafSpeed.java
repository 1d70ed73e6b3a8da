package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.pki.internal.X509Factory.LeafProfile;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.*;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** CPU per leaf certificate (thread CPU time): the base construction, the kept issuer fields + times, + native signing. */
public class LeafSpeed {
    interface Leaf { X509Certificate make(PublicKey key, BigInteger serial, LeafProfile p) throws Exception; }

    public static void main(String[] a) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        X509Certificate ca = X509Factory.root(new X500Name("CN=Issuing CA,O=Fleetkeeper"), kp.getPublic(),
                new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()), Instant.now(), Instant.now().plusSeconds(9999999));
        SoftwareSigner jdk = new SoftwareSigner(ca, kp.getPrivate());
        SoftwareSigner nat = new SoftwareSigner(ca, kp.getPrivate(), NativeSignatures.load());
        PublicKey device = g.generateKeyPair().getPublic();
        Leaf base = (key, serial, p) -> {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial, Date.from(p.notBefore()),
                    Date.from(p.notAfter()), p.subject(), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(p.subjectAltNames().toArray(GeneralName[]::new)))
                    .addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
                        new DistributionPoint(new DistributionPointName(new GeneralNames(
                                new GeneralName(GeneralName.uniformResourceIdentifier, p.crlUrl()))), null, null)}))
                    .addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                        new AccessDescription(AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, p.ocspUrl()))));
            return Pem.certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        };
        Leaf kept = (key, serial, p) -> X509Factory.leaf(jdk, key, serial, p);
        Leaf natv = (key, serial, p) -> X509Factory.leaf(nat, key, serial, p);
        String[] names = {"base (dates, AKI per call, JDK sign)", "kept issuer fields + times, JDK sign", "kept + native sign"};
        Leaf[] leaves = {base, kept, natv};
        var mx = ManagementFactory.getThreadMXBean();
        double[] sum = new double[3];
        int rounds = Integer.parseInt(a.length > 0 ? a[0] : "4");
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 3; i++) {
                long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime(); int n = 0;
                while (System.nanoTime() - t0 < 3_000_000_000L) {
                    Instant now = Instant.now();
                    String base0 = "http://fk.example:8080/pki/v1/tenants/t/cas/c";
                    LeafProfile p = new LeafProfile(new X500Name("CN=" + n + ",OU=tenant t,O=Fleetkeeper"),
                            List.of(new GeneralName(GeneralName.uniformResourceIdentifier, "urn:fleetkeeper:device:" + n)), true, false,
                            now.minusSeconds(60), now.plusSeconds(365 * 86400L), base0 + "/crl", base0 + "/ocsp");
                    leaves[i].make(device, X509Factory.serial(), p); n++;
                }
                double us = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / n;
                if (round >= rounds / 2) sum[i] += us;
                System.out.printf("round %d %-40s %6d leaves, %.1f us CPU each%n", round, names[i], n, us);
            }
        }
        for (int i = 0; i < 3; i++) System.out.printf("mean (2nd half) %-40s %.1f us%n", names[i], sum[i] / (rounds - rounds / 2));
    }
}
