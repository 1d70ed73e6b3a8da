package io.fleetkeeper.bench;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.Socket;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
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
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Client-side X.509 and TLS for the PKI and provisioning benchmarks: EC P-256 keys, CSRs, a small CA,
 * leaf certificates, and SSL contexts holding one device key. Uses the default JCA providers (SunEC), as
 * the server does (BouncyCastle builds the structures; the JDK does the arithmetic).
 */
final class Crypto {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Crypto() {
    }

    static KeyPair ecKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CSR for a key, in DER and PEM. */
    record Csr(KeyPair key, byte[] der, String pem) {
        String base64() {
            return Base64.getEncoder().encodeToString(der);
        }
    }

    static Csr csr(KeyPair kp, String cn) {
        try {
            PKCS10CertificationRequest req = new JcaPKCS10CertificationRequestBuilder(
                    new X500Name("CN=" + cn), kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
            return new Csr(kp, req.getEncoded(), pem(req));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code n} fresh keys and CSRs, generated on all cores (before any timing). */
    static Csr[] csrPool(int n) {
        return IntStream.range(0, n).parallel().mapToObj(i -> csr(ecKey(), "bench-" + i)).toArray(Csr[]::new);
    }

    static String pem(Object o) {
        try {
            StringWriter w = new StringWriter();
            try (JcaPEMWriter p = new JcaPEMWriter(w)) {
                p.writeObject(o);
            }
            return w.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<X509Certificate> certificates(String pem) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                    .stream().map(c -> (X509Certificate) c).toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CA of this process: its key and self-signed certificate. */
    record Ca(KeyPair key, X509Certificate certificate) {
    }

    static Ca selfSignedCa(String cn) {
        try {
            KeyPair kp = ecKey();
            X500Name subject = new X500Name("CN=" + cn + ",O=Fleetkeeper bench");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), subject,
                    kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
            return new Ca(kp, certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(kp.getPrivate())).getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A factory (IDevID-like) certificate: subject CN = serial, clientAuth. */
    static X509Certificate factoryCertificate(Ca ca, PublicKey key, String serial) {
        try {
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))),
                    new X500Name("CN=" + serial + ",O=Bench factory"), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(ca.certificate()));
            return certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(ca.key().getPrivate())).getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The signing step of device-certificate issuance, as the server's {@code X509Factory.leaf} does it: the
     * same subject, extensions and URLs, a new {@code JcaContentSignerBuilder} per certificate, the result
     * parsed into an {@link X509Certificate}.
     */
    static X509Certificate deviceLeaf(Ca issuer, PublicKey key) {
        try {
            UUID device = UUID.randomUUID();
            UUID tenant = UUID.randomUUID();
            String base = "http://localhost:8080/pki/v1/tenants/" + tenant + "/cas/" + UUID.randomUUID();
            Instant now = Instant.now();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, device.toString())
                    .addRDN(BCStyle.OU, "tenant " + tenant).addRDN(BCStyle.O, "Fleetkeeper").build();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer.certificate(), serial(),
                    Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofDays(365))), subject,
                    key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(issuer.certificate()))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, "urn:fleetkeeper:device:" + device)))
                    .addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
                            new DistributionPoint(new DistributionPointName(new GeneralNames(
                                    new GeneralName(GeneralName.uniformResourceIdentifier, base + "/crl"))),
                                    null, null)}))
                    .addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                            new AccessDescription(AccessDescription.id_ad_ocsp,
                                    new GeneralName(GeneralName.uniformResourceIdentifier, base + "/ocsp"))));
            return certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(issuer.key().getPrivate())).getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TLS server certificate for {@code host} (an IP address or a DNS name) issued by {@code ca}. */
    static X509Certificate serverCertificate(Ca ca, PublicKey key, String host) {
        try {
            Instant now = Instant.now();
            boolean ip = host.matches("[0-9.]+|.*:.*");
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))),
                    new X500Name("CN=" + host + ",O=Fleetkeeper bench"), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host),
                            new GeneralName(GeneralName.dNSName, "localhost")}));
            return certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(ca.key().getPrivate())).getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    static String pkcs8Pem(java.security.PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** Proof-of-possession check of a CSR, as the server's {@code CsrPolicy} does it. */
    static PublicKey verifiedCsrKey(byte[] der) {
        try {
            PKCS10CertificationRequest csr = new PKCS10CertificationRequest(der);
            PublicKey key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw new IllegalStateException("CSR signature does not verify");
            }
            return key;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The certificates of an EST certs-only response (base64 of a CMS SignedData). */
    static List<X509Certificate> estCertificates(String base64) {
        try {
            CMSSignedData cms = new CMSSignedData(Base64.getMimeDecoder().decode(base64));
            return cms.getCertificates().getMatches(null).stream()
                    .map(h -> certificate(encoded(h))).toList();
        } catch (Exception e) {
            throw new IllegalStateException("not a certs-only PKCS#7: " + e, e);
        }
    }

    private static byte[] encoded(org.bouncycastle.cert.X509CertificateHolder h) {
        try {
            return h.getEncoded();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /** Trust managers trusting {@code ca} alone. */
    static TrustManagerFactory trust(X509Certificate ca) {
        try {
            KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
            ts.load(null, null);
            ts.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            return tmf;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** TLS context trusting {@code ca} and, when {@code key} is not null, presenting {@code key} + {@code chain}. */
    static SSLContext sslContext(X509Certificate ca, PrivateKey key, X509Certificate[] chain) {
        try {
            TrustManagerFactory tmf = trust(ca);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(key == null ? null : new KeyManager[] {new OneKey(key, chain)}, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key manager holding exactly one client key (no key store needed per device). */
    private static final class OneKey extends X509ExtendedKeyManager {
        private static final String ALIAS = "device";
        private final PrivateKey key;
        private final X509Certificate[] chain;

        OneKey(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chain.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key;
        }
    }
}
