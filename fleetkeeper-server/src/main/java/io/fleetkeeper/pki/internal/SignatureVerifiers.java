package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.PkiProperties;
import io.fleetkeeper.pki.internal.NativeSignatures.Algorithm;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Who verifies signatures on the hot paths (CSR proof of possession, the device chain check): the system's
 * libcrypto through {@link NativeSignatures} where it takes the algorithm and key, else the JDK. Native is off
 * with {@code fleetkeeper.pki.native-crypto=false} or when libcrypto 3 cannot be loaded; the choice is logged
 * once at start. Both give the same answers; native is several times faster for ECDSA.
 */
@Component
public class SignatureVerifiers {

    private static final Logger log = LoggerFactory.getLogger(SignatureVerifiers.class);

    private final NativeSignatures natives;
    private final String provider;

    @Autowired
    SignatureVerifiers(PkiProperties properties) {
        this(properties.nativeCrypto());
        if (natives != null) {
            log.info("Signature verification (CSRs, device certificate chains): native, {} through the foreign "
                    + "function API", natives.version());
        } else if (properties.nativeCrypto()) {
            log.warn("Signature verification (CSRs, device certificate chains): the JDK's, as libcrypto 3 could not "
                    + "be loaded ({}); the JDK verifies ECDSA several times slower", NativeSignatures.loadFailure());
        } else {
            log.info("Signature verification (CSRs, device certificate chains): the JDK's "
                    + "(fleetkeeper.pki.native-crypto=false)");
        }
    }

    /** Native when {@code useNative} and libcrypto loads, else the JDK. */
    public SignatureVerifiers(boolean useNative) {
        this.natives = useNative ? NativeSignatures.load() : null;
        this.provider = natives == null ? null : NativeSignatureProvider.register(natives);
    }

    public boolean isNative() {
        return natives != null;
    }

    /** libcrypto when verification is native, else null. */
    NativeSignatures natives() {
        return natives;
    }

    /** Verifies a CSR's signature (by the key it carries), as {@code PKCS10CertificationRequest.isSignatureValid}. */
    public ContentVerifierProvider forKey(SubjectPublicKeyInfo key) throws OperatorCreationException {
        return natives == null ? jdk(key) : new NativeContentVerifiers(natives, key);
    }

    /**
     * The JCA provider name for PKIX to verify the signatures of {@code path} with ({@code PKIXParameters
     * .setSigProvider}), or null for the JDK's own: null too when a certificate is signed with an algorithm the
     * native path does not take (the provider would not know it).
     */
    public String pathProvider(List<X509Certificate> path) {
        if (provider == null) {
            return null;
        }
        for (X509Certificate c : path) {
            if (Algorithm.ofJcaName(c.getSigAlgName()) == null) {
                return null;
            }
        }
        return provider;
    }

    private static ContentVerifierProvider jdk(SubjectPublicKeyInfo key) throws OperatorCreationException {
        return new JcaContentVerifierProviderBuilder().build(key);
    }

    /** A CSR's verifiers: native for the algorithms taken there, the JDK's for the rest. */
    private record NativeContentVerifiers(NativeSignatures natives, SubjectPublicKeyInfo key)
            implements ContentVerifierProvider {

        @Override
        public boolean hasAssociatedCertificate() {
            return false;
        }

        @Override
        public X509CertificateHolder getAssociatedCertificate() {
            return null;
        }

        @Override
        public ContentVerifier get(AlgorithmIdentifier id) throws OperatorCreationException {
            Algorithm algorithm = Algorithm.of(id);
            if (algorithm == null) {
                return jdk(key).get(id);
            }
            ByteArrayOutputStream data = new ByteArrayOutputStream(512);
            return new ContentVerifier() {
                @Override
                public AlgorithmIdentifier getAlgorithmIdentifier() {
                    return id;
                }

                @Override
                public OutputStream getOutputStream() {
                    return data;
                }

                @Override
                public boolean verify(byte[] signature) {
                    byte[] signed = data.toByteArray();
                    Boolean verified = natives.verifyOnce(algorithm, key, signed, signature);
                    return verified != null ? verified : jdkVerify(id, signed, signature);
                }
            };
        }

        private boolean jdkVerify(AlgorithmIdentifier id, byte[] signed, byte[] signature) {
            try {
                ContentVerifier v = jdk(key).get(id);
                try (OutputStream out = v.getOutputStream()) {
                    out.write(signed);
                }
                return v.verify(signature);
            } catch (Exception e) {
                return false;
            }
        }
    }
}
