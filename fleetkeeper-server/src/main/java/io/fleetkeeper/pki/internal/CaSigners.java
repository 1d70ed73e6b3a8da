package io.fleetkeeper.pki.internal;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Makes the in-process signers of CA keys: ECDSA signatures (certificates, CRLs, OCSP responses) through the
 * system's libcrypto when signature verification is native ({@code fleetkeeper.pki.native-crypto}, see
 * {@link SignatureVerifiers}) and the key passes a known-answer check, else the JDK's.
 */
@Component
public class CaSigners {

    private static final Logger log = LoggerFactory.getLogger(CaSigners.class);

    private final NativeSignatures natives;

    CaSigners(SignatureVerifiers verifiers) {
        this.natives = verifiers.natives();
        log.info("CA signatures (ECDSA): {}", natives != null ? "native, through libcrypto" : "the JDK's");
    }

    /** The signer of a CA key held in process memory. */
    public SoftwareSigner of(X509Certificate certificate, PrivateKey key) {
        return new SoftwareSigner(certificate, key, natives);
    }
}
