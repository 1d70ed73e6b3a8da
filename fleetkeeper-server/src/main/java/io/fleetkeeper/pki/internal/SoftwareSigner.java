package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.CaSigner;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA key held in process memory (decrypted from the vault), with the fields every certificate it signs takes
 * from its certificate computed once.
 */
public final class SoftwareSigner implements CaSigner {

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final String algorithm;
    private final IssuerFields issuerFields;

    public SoftwareSigner(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
        this.algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> certificate.getPublicKey().getEncoded().length > 100 ? "SHA384withECDSA"
                    : "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> null; // refused when asked to sign
        };
        this.issuerFields = IssuerFields.of(certificate);
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
        try {
            return new JcaContentSignerBuilder(algorithm).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
