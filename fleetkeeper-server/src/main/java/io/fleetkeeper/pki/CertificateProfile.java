package io.fleetkeeper.pki;

import com.fasterxml.jackson.annotation.JsonValue;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a device certificate is for, decided by the registry (a CSR's requested extensions are ignored):
 * <ul>
 * <li>{@code client}: TLS client authentication, the device's identity (EKU clientAuth; key usage
 * digitalSignature, plus keyEncipherment for RSA);</li>
 * <li>{@code tls-server}: a gateway's TLS server (EKU serverAuth, the same key usages, DNS names and IP addresses
 * from the request as subject alternative names);</li>
 * <li>{@code code-signing}: signing OTA manifests (EKU codeSigning, key usage digitalSignature only).</li>
 * </ul>
 * Only {@code client} certificates authenticate a device; the other profiles live in named extra slots.
 */
public enum CertificateProfile {
    CLIENT("client"), TLS_SERVER("tls-server"), CODE_SIGNING("code-signing");

    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CODE_SIGNING_EKU = "1.3.6.1.5.5.7.3.3";

    private final String wire;

    CertificateProfile(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** The profile named {@code name} on the wire, or null when no profile has that name. */
    public static CertificateProfile ofWire(String name) {
        for (CertificateProfile p : values()) {
            if (p.wire.equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Read back from a certificate's extended key usage (client when it names neither serverAuth nor codeSigning). */
    public static CertificateProfile of(X509Certificate x) {
        List<String> eku;
        try {
            eku = x.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return CLIENT;
        }
        if (eku != null && eku.contains(CODE_SIGNING_EKU)) {
            return CODE_SIGNING;
        }
        return eku != null && eku.contains(SERVER_AUTH) ? TLS_SERVER : CLIENT;
    }
}
