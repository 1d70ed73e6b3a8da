package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.CaSigner;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CA key held in process memory (decrypted from the vault). */
public record SoftwareSigner(X509Certificate certificate, PrivateKey key) implements CaSigner {

    @Override
    public ContentSigner contentSigner() {
        String alg = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> certificate.getPublicKey().getEncoded().length > 100 ? "SHA384withECDSA"
                    : "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalStateException("unsupported CA key " + key.getAlgorithm());
        };
        try {
            return new JcaContentSignerBuilder(alg).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
