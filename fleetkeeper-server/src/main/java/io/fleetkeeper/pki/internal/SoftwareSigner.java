package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.CaSigner;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA key held in process memory (decrypted from the vault), with the fields every certificate it signs takes
 * from its certificate computed once. EC keys sign through libcrypto when one is given and the key passes its
 * known-answer check ({@link NativeSigningKey}), else through the JDK.
 */
public final class SoftwareSigner implements CaSigner {

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final String algorithm;
    private final IssuerFields issuerFields;
    private final NativeSigningKey nativeKey;
    private final AlgorithmIdentifier algorithmId;

    /** A signer through the JDK only. */
    public SoftwareSigner(X509Certificate certificate, PrivateKey key) {
        this(certificate, key, null);
    }

    /** A signer through libcrypto for the EC keys it takes ({@code natives} not null), else the JDK. */
    SoftwareSigner(X509Certificate certificate, PrivateKey key, NativeSignatures natives) {
        this.certificate = certificate;
        this.key = key;
        this.algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> certificate.getPublicKey().getEncoded().length > 100 ? "SHA384withECDSA"
                    : "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> null; // refused when asked to sign
        };
        this.issuerFields = IssuerFields.of(certificate);
        this.nativeKey = algorithm == null ? null
                : NativeSigningKey.of(natives, key, certificate.getPublicKey(), algorithm);
        this.algorithmId = nativeKey == null ? null : jdkSigner().getAlgorithmIdentifier();
    }

    /** Whether this key signs through libcrypto. */
    boolean isNative() {
        return nativeKey != null;
    }

    @Override
    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey key() {
        return key;
    }

    IssuerFields issuerFields() {
        return issuerFields;
    }

    @Override
    public ContentSigner contentSigner() {
        if (algorithm == null) {
            throw new IllegalStateException("unsupported CA key " + key.getAlgorithm());
        }
        return nativeKey != null ? new NativeContentSigner() : jdkSigner();
    }

    private ContentSigner jdkSigner() {
        try {
            return new JcaContentSignerBuilder(algorithm).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects what is signed, then signs it in one call to libcrypto (the JDK's signer if libcrypto refuses). */
    private final class NativeContentSigner implements ContentSigner {

        private final ByteArrayOutputStream data = new ByteArrayOutputStream(1024);

        @Override
        public AlgorithmIdentifier getAlgorithmIdentifier() {
            return algorithmId;
        }

        @Override
        public OutputStream getOutputStream() {
            return data;
        }

        @Override
        public byte[] getSignature() {
            byte[] signed = data.toByteArray();
            byte[] signature = nativeKey.sign(signed);
            if (signature != null) {
                return signature;
            }
            ContentSigner jdk = jdkSigner();
            try (OutputStream out = jdk.getOutputStream()) {
                out.write(signed);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return jdk.getSignature();
        }
    }
}
