package io.fleetkeeper.pki.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * What a CSR must be before anything is signed: its signature proves possession of the key, and the
 * key is strong enough (EC P-256 or P-384; RSA 2048 to 8192 bits). Everything else in the CSR (subject,
 * requested extensions) is ignored: the registry decides the certificate's content.
 */
public final class CsrPolicy {

    private CsrPolicy() {
    }

    public static PublicKey verifiedKey(PKCS10CertificationRequest csr, String field, SignatureVerifiers verifiers) {
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
        } catch (Exception e) {
            throw invalid(field, "carries a public key this server cannot read");
        }
        boolean signed;
        try {
            signed = csr.isSignatureValid(verifiers.forKey(csr.getSubjectPublicKeyInfo()));
        } catch (Exception e) {
            signed = false;
        }
        if (!signed) {
            throw invalid(field, "signature does not verify (no proof of possession of the key)");
        }
        requireStrong(key, field);
        return key;
    }

    public static void requireStrong(PublicKey key, String field) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < 2048 || bits > 8192) {
                throw invalid(field, "RSA keys must have 2048 to 8192 bits (got " + bits + ")");
            }
            return;
        }
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits != 256 && bits != 384) {
                throw invalid(field, "EC keys must be on P-256 or P-384");
            }
            var p256 = ECNamedCurveTable.getByName("P-256");
            var p384 = ECNamedCurveTable.getByName("P-384");
            var a = ec.getParams().getCurve().getA();
            boolean named = (bits == 256 && a.equals(p256.getCurve().getA().toBigInteger()))
                    || (bits == 384 && a.equals(p384.getCurve().getA().toBigInteger()));
            if (!named) {
                throw invalid(field, "EC keys must be on P-256 or P-384");
            }
            return;
        }
        throw invalid(field, "key type " + key.getAlgorithm() + " is not supported (use EC P-256/P-384 or RSA)");
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, "CSR " + message,
                List.of(new ApiException.FieldError(field, message)));
    }
}
