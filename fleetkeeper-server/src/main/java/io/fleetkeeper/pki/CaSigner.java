package io.fleetkeeper.pki;

import java.security.cert.X509Certificate;
import org.bouncycastle.operator.ContentSigner;

/**
 * The only thing issuance needs from a CA key: its certificate and a signer. The software
 * implementation decrypts the key in process; an HSM or KMS backend implements the same interface.
 */
public interface CaSigner {

    X509Certificate certificate();

    /** A fresh signer for one certificate, CRL or OCSP response. */
    ContentSigner contentSigner();
}
